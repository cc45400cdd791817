// Package symbols holds the yaegi symbol tables of the project's packages,
// which notebook cells can import.
//
// The tables (gen_*.go) are generated and committed. To make another
// package importable from cells, add its import path to packages.txt and
// run
//
//	go generate ./kernel/symbols
//
// (rerun it whenever a listed package's exported API changes). Listed
// packages that do not exist yet or do not build are skipped with a
// warning; `go run ./kernel/internal/symgen -strict` in this directory
// makes that an error. Only exported, non-generic identifiers are
// extracted: the project's API is free of generics for that reason.
package symbols

import "reflect"

//go:generate go run ../internal/symgen -list packages.txt

// Symbols maps "importpath/name" to the package's exported symbols, in the
// form interp.Interpreter.Use takes.
var Symbols = map[string]map[string]reflect.Value{}

// Docs maps an import path to the documentation of its exported
// identifiers ("Name" or "Type.Method"; "" is the package doc), each the
// declaration followed by its doc comment. The kernel shows them for
// inspect requests.
var Docs = map[string]map[string]string{}
