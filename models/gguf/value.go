package gguf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ValueType is the type of a metadata value, numbered as the GGUF
// specification numbers it (gguf_type in llama.cpp's gguf.h).
type ValueType uint32

// The metadata value types.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
	numTypes    ValueType = 13
)

var typeNames = [numTypes]string{
	"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
	"bool", "string", "array", "uint64", "int64", "float64",
}

// Valid reports whether t is one of the defined types.
func (t ValueType) Valid() bool { return t < numTypes }

// String returns the type's name as the specification spells it
// ("uint32", "string", "array", ...).
func (t ValueType) String() string {
	if !t.Valid() {
		return "type(" + strconv.FormatUint(uint64(t), 10) + ")"
	}
	return typeNames[t]
}

// size is the encoded size of a scalar of type t; 0 for strings and
// arrays, whose size depends on their contents.
func (t ValueType) size() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

func (t ValueType) isInt() bool {
	switch t {
	case TypeUint8, TypeInt8, TypeUint16, TypeInt16, TypeUint32, TypeInt32, TypeUint64, TypeInt64:
		return true
	}
	return false
}

func (t ValueType) isSigned() bool {
	return t == TypeInt8 || t == TypeInt16 || t == TypeInt32 || t == TypeInt64
}

// Value is one metadata value: a scalar, a string, or an array. Arrays
// are held compactly as one typed Go slice ([]uint8 ... []float64,
// []bool, []string); an array of arrays holds its elements as []Value.
// The zero Value is the uint8 0.
//
// Slices returned by the accessors are the Value's own storage: do not
// modify them.
type Value struct {
	typ  ValueType
	elem ValueType // element type, for arrays
	bits uint64    // scalars: the value, sign-extended for signed types; float bits for floats
	ref  any       // string for strings; the typed slice for arrays
}

// KeyValue is one metadata entry.
type KeyValue struct {
	Key   string
	Value Value
}

// Constructors of scalar values.

// Uint8 returns a uint8 value.
func Uint8(v uint8) Value { return Value{typ: TypeUint8, bits: uint64(v)} }

// Int8 returns an int8 value.
func Int8(v int8) Value { return Value{typ: TypeInt8, bits: uint64(int64(v))} }

// Uint16 returns a uint16 value.
func Uint16(v uint16) Value { return Value{typ: TypeUint16, bits: uint64(v)} }

// Int16 returns an int16 value.
func Int16(v int16) Value { return Value{typ: TypeInt16, bits: uint64(int64(v))} }

// Uint32 returns a uint32 value.
func Uint32(v uint32) Value { return Value{typ: TypeUint32, bits: uint64(v)} }

// Int32 returns an int32 value.
func Int32(v int32) Value { return Value{typ: TypeInt32, bits: uint64(int64(v))} }

// Uint64 returns a uint64 value.
func Uint64(v uint64) Value { return Value{typ: TypeUint64, bits: v} }

// Int64 returns an int64 value.
func Int64(v int64) Value { return Value{typ: TypeInt64, bits: uint64(v)} }

// Float32 returns a float32 value.
func Float32(v float32) Value { return Value{typ: TypeFloat32, bits: uint64(math.Float32bits(v))} }

// Float64 returns a float64 value.
func Float64(v float64) Value { return Value{typ: TypeFloat64, bits: math.Float64bits(v)} }

// Bool returns a bool value.
func Bool(v bool) Value {
	var b uint64
	if v {
		b = 1
	}
	return Value{typ: TypeBool, bits: b}
}

// String returns a string value.
func String(s string) Value { return Value{typ: TypeString, ref: s} }

// Constructors of arrays. The Value keeps the slice it is given (it is
// not copied): do not modify it afterwards. A nil slice is an empty array.

// Uint8s returns an array of uint8.
func Uint8s(v []uint8) Value { return array(TypeUint8, nn(v)) }

// Int8s returns an array of int8.
func Int8s(v []int8) Value { return array(TypeInt8, nn(v)) }

// Uint16s returns an array of uint16.
func Uint16s(v []uint16) Value { return array(TypeUint16, nn(v)) }

// Int16s returns an array of int16.
func Int16s(v []int16) Value { return array(TypeInt16, nn(v)) }

// Uint32s returns an array of uint32.
func Uint32s(v []uint32) Value { return array(TypeUint32, nn(v)) }

// Int32s returns an array of int32.
func Int32s(v []int32) Value { return array(TypeInt32, nn(v)) }

// Uint64s returns an array of uint64.
func Uint64s(v []uint64) Value { return array(TypeUint64, nn(v)) }

// Int64s returns an array of int64.
func Int64s(v []int64) Value { return array(TypeInt64, nn(v)) }

// Float32s returns an array of float32.
func Float32s(v []float32) Value { return array(TypeFloat32, nn(v)) }

// Float64s returns an array of float64.
func Float64s(v []float64) Value { return array(TypeFloat64, nn(v)) }

// Bools returns an array of bool.
func Bools(v []bool) Value { return array(TypeBool, nn(v)) }

// Strings returns an array of strings.
func Strings(v []string) Value { return array(TypeString, nn(v)) }

// Arrays returns an array whose elements are arrays (which may differ in
// element type and length). Every element must itself be an array; the
// writer reports an error otherwise. gguf-py reads arrays of arrays, but
// llama.cpp's own reader (gguf.cpp) rejects them: keep them out of files
// meant for llama.cpp.
func Arrays(v []Value) Value { return array(TypeArray, nn(v)) }

func array(elem ValueType, s any) Value { return Value{typ: TypeArray, elem: elem, ref: s} }

// nn returns s, or an empty non-nil slice for nil, so that an empty
// array read back from a file equals the one written.
func nn[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Type returns the value's type.
func (v Value) Type() ValueType { return v.typ }

// ElemType returns the element type of an array (TypeArray for an array of
// arrays). For other values it returns the value's own type.
func (v Value) ElemType() ValueType {
	if v.typ == TypeArray {
		return v.elem
	}
	return v.typ
}

// Len returns the number of elements of an array, and 0 for other values.
func (v Value) Len() int {
	switch s := v.ref.(type) {
	case []uint8:
		return len(s)
	case []int8:
		return len(s)
	case []uint16:
		return len(s)
	case []int16:
		return len(s)
	case []uint32:
		return len(s)
	case []int32:
		return len(s)
	case []uint64:
		return len(s)
	case []int64:
		return len(s)
	case []float32:
		return len(s)
	case []float64:
		return len(s)
	case []bool:
		return len(s)
	case []string:
		return len(s)
	case []Value:
		return len(s)
	}
	return 0
}

// AsUint returns an integer value of any integer type as uint64; ok is
// false for other types and for negative values.
func (v Value) AsUint() (uint64, bool) {
	if !v.typ.isInt() || (v.typ.isSigned() && int64(v.bits) < 0) {
		return 0, false
	}
	return v.bits, true
}

// AsInt returns an integer value of any integer type as int64; ok is
// false for other types and for uint64 values above math.MaxInt64.
func (v Value) AsInt() (int64, bool) {
	if !v.typ.isInt() || (v.typ == TypeUint64 && v.bits > math.MaxInt64) {
		return 0, false
	}
	return int64(v.bits), true
}

// AsFloat returns a float32, float64 or integer value as float64.
func (v Value) AsFloat() (float64, bool) {
	switch {
	case v.typ == TypeFloat32:
		return float64(math.Float32frombits(uint32(v.bits))), true
	case v.typ == TypeFloat64:
		return math.Float64frombits(v.bits), true
	case v.typ == TypeUint64:
		return float64(v.bits), true
	case v.typ.isInt():
		return float64(int64(v.bits)), true
	}
	return 0, false
}

// AsBool returns a bool value.
func (v Value) AsBool() (bool, bool) {
	if v.typ != TypeBool {
		return false, false
	}
	return v.bits != 0, true
}

// AsString returns a string value.
func (v Value) AsString() (string, bool) {
	s, ok := v.ref.(string)
	return s, ok && v.typ == TypeString
}

// Typed array accessors: each returns the array's own slice when the
// value is an array of exactly that element type.

// Uint8s returns a uint8 array.
func (v Value) Uint8s() ([]uint8, bool) { s, ok := v.ref.([]uint8); return s, ok }

// Int8s returns an int8 array.
func (v Value) Int8s() ([]int8, bool) { s, ok := v.ref.([]int8); return s, ok }

// Uint16s returns a uint16 array.
func (v Value) Uint16s() ([]uint16, bool) { s, ok := v.ref.([]uint16); return s, ok }

// Int16s returns an int16 array.
func (v Value) Int16s() ([]int16, bool) { s, ok := v.ref.([]int16); return s, ok }

// Uint32s returns a uint32 array.
func (v Value) Uint32s() ([]uint32, bool) { s, ok := v.ref.([]uint32); return s, ok }

// Int32s returns an int32 array.
func (v Value) Int32s() ([]int32, bool) { s, ok := v.ref.([]int32); return s, ok }

// Uint64s returns a uint64 array.
func (v Value) Uint64s() ([]uint64, bool) { s, ok := v.ref.([]uint64); return s, ok }

// Int64s returns an int64 array.
func (v Value) Int64s() ([]int64, bool) { s, ok := v.ref.([]int64); return s, ok }

// Float32s returns a float32 array.
func (v Value) Float32s() ([]float32, bool) { s, ok := v.ref.([]float32); return s, ok }

// Float64s returns a float64 array.
func (v Value) Float64s() ([]float64, bool) { s, ok := v.ref.([]float64); return s, ok }

// Bools returns a bool array.
func (v Value) Bools() ([]bool, bool) { s, ok := v.ref.([]bool); return s, ok }

// Strings returns a string array.
func (v Value) Strings() ([]string, bool) { s, ok := v.ref.([]string); return s, ok }

// Values returns the elements of an array of arrays.
func (v Value) Values() ([]Value, bool) { s, ok := v.ref.([]Value); return s, ok }

// Interface returns the value as a plain Go value: uint8 ... float64,
// bool, string, a typed slice for an array, or []Value for an array of
// arrays.
func (v Value) Interface() any {
	switch v.typ {
	case TypeUint8:
		return uint8(v.bits)
	case TypeInt8:
		return int8(v.bits)
	case TypeUint16:
		return uint16(v.bits)
	case TypeInt16:
		return int16(v.bits)
	case TypeUint32:
		return uint32(v.bits)
	case TypeInt32:
		return int32(v.bits)
	case TypeUint64:
		return v.bits
	case TypeInt64:
		return int64(v.bits)
	case TypeFloat32:
		return math.Float32frombits(uint32(v.bits))
	case TypeFloat64:
		return math.Float64frombits(v.bits)
	case TypeBool:
		return v.bits != 0
	}
	return v.ref
}

// Equal reports whether v and w have the same type and contents; floats
// are compared by their bits (so NaNs with equal bits are equal).
func (v Value) Equal(w Value) bool {
	if v.typ != w.typ {
		return false
	}
	if v.typ != TypeArray {
		if v.typ == TypeString {
			a, _ := v.AsString()
			b, _ := w.AsString()
			return a == b
		}
		return v.bits == w.bits
	}
	if v.elem != w.elem || v.Len() != w.Len() {
		return false
	}
	switch a := v.ref.(type) {
	case []uint8:
		return eqSlice(a, w.ref.([]uint8))
	case []int8:
		return eqSlice(a, w.ref.([]int8))
	case []uint16:
		return eqSlice(a, w.ref.([]uint16))
	case []int16:
		return eqSlice(a, w.ref.([]int16))
	case []uint32:
		return eqSlice(a, w.ref.([]uint32))
	case []int32:
		return eqSlice(a, w.ref.([]int32))
	case []uint64:
		return eqSlice(a, w.ref.([]uint64))
	case []int64:
		return eqSlice(a, w.ref.([]int64))
	case []bool:
		return eqSlice(a, w.ref.([]bool))
	case []string:
		return eqSlice(a, w.ref.([]string))
	case []float32:
		b := w.ref.([]float32)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return false
			}
		}
		return true
	case []float64:
		b := w.ref.([]float64)
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				return false
			}
		}
		return true
	case []Value:
		b := w.ref.([]Value)
		for i := range a {
			if !a[i].Equal(b[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func eqSlice[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// maxShown is the number of array elements String prints.
const maxShown = 8

// String formats the value for listings: strings quoted, arrays as their
// type, length and first few elements.
func (v Value) String() string {
	switch v.typ {
	case TypeString:
		s, _ := v.AsString()
		return strconv.Quote(s)
	case TypeArray:
		var b strings.Builder
		n := v.Len()
		fmt.Fprintf(&b, "[%s × %d]", v.elem, n)
		if n == 0 {
			return b.String()
		}
		b.WriteString(" [")
		for i := range min(n, maxShown) {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(v.elemString(i))
		}
		if n > maxShown {
			b.WriteString(" ...")
		}
		b.WriteByte(']')
		return b.String()
	}
	return fmt.Sprint(v.Interface())
}

func (v Value) elemString(i int) string {
	switch s := v.ref.(type) {
	case []string:
		return strconv.Quote(s[i])
	case []Value:
		return s[i].String()
	case []uint8:
		return fmt.Sprint(s[i])
	case []int8:
		return fmt.Sprint(s[i])
	case []uint16:
		return fmt.Sprint(s[i])
	case []int16:
		return fmt.Sprint(s[i])
	case []uint32:
		return fmt.Sprint(s[i])
	case []int32:
		return fmt.Sprint(s[i])
	case []uint64:
		return fmt.Sprint(s[i])
	case []int64:
		return fmt.Sprint(s[i])
	case []float32:
		return fmt.Sprint(s[i])
	case []float64:
		return fmt.Sprint(s[i])
	case []bool:
		return fmt.Sprint(s[i])
	}
	return "?"
}
