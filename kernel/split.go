package kernel

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"
)

// chunkKind classifies a top-level piece of a cell.
type chunkKind int

const (
	chunkStmt chunkKind = iota
	chunkImport
	chunkDecl // func, method, type, const or var declaration
)

// chunk is one top-level declaration or statement of a cell.
type chunk struct {
	kind chunkKind
	src  string
	line int // 1-based line of the chunk in the cell
}

// splitCell cuts a cell's Go source into top-level declarations and
// statements, at the semicolons (explicit or automatic) outside brackets.
// A leading package clause is dropped. Scanner errors are left for the
// interpreter to report.
func splitCell(src string) []chunk {
	fset := token.NewFileSet()
	file := fset.AddFile("cell.go", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), nil, scanner.ScanComments)
	var (
		chunks  []chunk
		toks    []token.Token
		start   = -1
		depth   = 0
		comment = -1 // start of the comments before the next chunk
	)
	flush := func(end int) {
		if start >= 0 && len(toks) > 0 {
			text := strings.TrimSpace(src[start:end])
			if text != "" && toks[0] != token.PACKAGE {
				chunks = append(chunks, chunk{kind: classify(toks), src: text, line: fset.Position(file.Pos(start)).Line})
			}
		}
		start, toks = -1, toks[:0]
	}
	for {
		pos, tok, lit := s.Scan()
		off := file.Offset(pos)
		if tok == token.EOF {
			flush(len(src))
			break
		}
		if tok == token.COMMENT {
			// (a comment at the end of a line comes before the line's
			// automatic semicolon, so it stays with its chunk)
			if start < 0 && comment < 0 {
				comment = off // doc comments go with the chunk they precede
			}
			continue
		}
		if tok == token.SEMICOLON && depth == 0 {
			comment = -1
			end := off
			if lit == ";" {
				end = off // explicit semicolon: not part of the chunk
			}
			flush(end)
			continue
		}
		if start < 0 {
			start = off
			if comment >= 0 {
				start = comment
			}
			comment = -1
		}
		toks = append(toks, tok)
		switch tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			if depth > 0 {
				depth--
			}
		}
	}
	return chunks
}

// classify decides from a chunk's tokens whether it is an import, a
// declaration or a statement. A func followed by a name, or by a receiver
// and a name, is a declaration; a func literal is a statement.
func classify(toks []token.Token) chunkKind {
	switch toks[0] {
	case token.IMPORT:
		return chunkImport
	case token.TYPE, token.CONST, token.VAR:
		return chunkDecl
	case token.FUNC:
		if len(toks) > 1 && toks[1] == token.IDENT {
			return chunkDecl
		}
		if len(toks) > 1 && toks[1] == token.LPAREN {
			d := 0
			for i := 1; i < len(toks); i++ {
				switch toks[i] {
				case token.LPAREN:
					d++
				case token.RPAREN:
					d--
				}
				if d == 0 {
					if i+2 < len(toks) && toks[i+1] == token.IDENT && (toks[i+2] == token.LPAREN || toks[i+2] == token.LBRACK) {
						return chunkDecl
					}
					return chunkStmt
				}
			}
		}
	}
	return chunkStmt
}

// finalExpr returns the expression of the cell's last statement chunk when
// that statement is an expression statement (its value is displayed).
func finalExpr(c chunk) (ast.Expr, bool) {
	if c.kind != chunkStmt {
		return nil, false
	}
	e, err := parser.ParseExpr(c.src)
	if err != nil {
		return nil, false
	}
	return e, true
}

// isCall reports whether e (without parentheses) is a call, whose number
// of results the kernel must find out.
func isCall(e ast.Expr) bool {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	_, ok := e.(*ast.CallExpr)
	return ok
}

// declaredNames returns the names a chunk declares (for completion and
// %who): functions, types, constants, variables and := targets.
func declaredNames(c chunk) []string {
	var out []string
	switch c.kind {
	case chunkDecl:
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+c.src, parser.SkipObjectResolution)
		if err != nil {
			return nil
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					out = append(out, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						out = append(out, s.Name.Name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							out = append(out, n.Name)
						}
					}
				}
			}
		}
	case chunkStmt:
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p\nfunc _() {\n"+c.src+"\n}", parser.SkipObjectResolution)
		if err != nil || len(f.Decls) == 0 {
			return nil
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		for _, s := range body.List {
			if a, ok := s.(*ast.AssignStmt); ok && a.Tok == token.DEFINE {
				for _, l := range a.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
						out = append(out, id.Name)
					}
				}
			}
		}
	}
	return out
}

// Completeness of a cell, as is_complete_reply reports it.
const (
	codeComplete   = "complete"
	codeIncomplete = "incomplete"
	codeInvalid    = "invalid"
)

// checkComplete reports whether src is a complete cell, needs more lines
// (with the indent for the next one), or cannot become valid.
func checkComplete(src string) (status, indent string) {
	src = stripMagics(src)
	fset := token.NewFileSet()
	file := fset.AddFile("cell.go", -1, len(src))
	var errs scanner.ErrorList
	var s scanner.Scanner
	s.Init(file, []byte(src), func(pos token.Position, msg string) { errs.Add(pos, msg) }, scanner.ScanComments)
	var stack []token.Token
	last := token.ILLEGAL
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			stack = append(stack, tok)
		case token.RPAREN, token.RBRACE, token.RBRACK:
			open := map[token.Token]token.Token{token.RPAREN: token.LPAREN, token.RBRACE: token.LBRACE, token.RBRACK: token.LBRACK}[tok]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return codeInvalid, ""
			}
			stack = stack[:len(stack)-1]
		}
		if !(tok == token.SEMICOLON && lit == "\n") && tok != token.COMMENT {
			last = tok
		}
	}
	for _, e := range errs {
		switch {
		case strings.HasPrefix(e.Msg, "raw string literal not terminated") || strings.HasPrefix(e.Msg, "comment not terminated"):
			return codeIncomplete, ""
		default:
			return codeInvalid, ""
		}
	}
	if len(stack) > 0 {
		return codeIncomplete, strings.Repeat("\t", len(stack))
	}
	if strings.TrimSpace(src) == "" {
		return codeComplete, ""
	}
	// A trailing binary operator, comma or dot continues on the next line.
	switch {
	case last.IsOperator() && last != token.RPAREN && last != token.RBRACE && last != token.RBRACK &&
		last != token.INC && last != token.DEC && last != token.SEMICOLON:
		return codeIncomplete, ""
	}
	for _, c := range splitCell(src) {
		if err := parseChunk(c); err != nil {
			return codeInvalid, ""
		}
	}
	return codeComplete, ""
}

// parseChunk checks a chunk's syntax.
func parseChunk(c chunk) error {
	var err error
	switch c.kind {
	case chunkImport, chunkDecl:
		_, err = parser.ParseFile(token.NewFileSet(), "", "package p\n"+c.src, parser.SkipObjectResolution)
	default:
		_, err = parser.ParseFile(token.NewFileSet(), "", "package p\nfunc _() {\n"+c.src+"\n}", parser.SkipObjectResolution)
	}
	return err
}

// stripMagics blanks the lines of a cell that are magics (they start with
// %), keeping line numbers.
func stripMagics(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "%") {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// declSources returns the source of the functions, methods ("Type.Method")
// and types a declaration chunk declares, with their doc comments, for
// inspect requests.
func declSources(c chunk) map[string]string {
	if c.kind != chunkDecl {
		return nil
	}
	const prefix = "package p\n"
	src := prefix + c.src
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	text := func(from, to token.Pos) string {
		s := src[fset.Position(from).Offset:fset.Position(to).Offset]
		if len(s) > 2000 {
			s = s[:2000] + "\n..."
		}
		return strings.TrimSpace(s)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			start := d.Pos()
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
			end := d.End()
			if d.Body != nil {
				end = d.Body.Lbrace
			}
			name := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				t := d.Recv.List[0].Type
				if st, ok := t.(*ast.StarExpr); ok {
					t = st.X
				}
				if id, ok := t.(*ast.Ident); ok {
					name = id.Name + "." + name
				}
			}
			out[name] = text(start, end)
		case *ast.GenDecl:
			if d.Tok != token.TYPE {
				continue
			}
			for _, sp := range d.Specs {
				ts := sp.(*ast.TypeSpec)
				start := ts.Pos()
				if d.Doc != nil && len(d.Specs) == 1 {
					start = d.Doc.Pos()
				}
				out[ts.Name.Name] = text(start, ts.End())
			}
		}
	}
	return out
}
