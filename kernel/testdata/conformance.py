"""The Jupyter kernel conformance suite (jupyter_kernel_test) with Go samples.

Run from the Go test TestConformance with JUPYTER_PATH pointing at the
installed torchless kernelspec: python3 -m unittest conformance
"""
import unittest

import jupyter_kernel_test


class TorchlessKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "torchless"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'import "fmt"\nfmt.Println("hello, world")'
    code_stderr = 'import "fmt"\nimport "os"\nfmt.Fprintln(os.Stderr, "oops")'

    completion_samples = [
        {"text": "fmt.Pri", "matches": {"Print", "Printf", "Println"}},
        {"text": "strings.TrimSp", "matches": {"TrimSpace"}},
    ]

    complete_code_samples = ['fmt.Println("hi")', "x := 1", "func f() int {\n\treturn 1\n}"]
    incomplete_code_samples = ["func f() {", "for i := 0; i < 3; i++ {", "x := []int{1,"]
    invalid_code_samples = ["x := )", "func f() }"]

    code_generate_error = 'panic("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"go" + "pher"', "result": '"gopher"'},
        {"code": "x := 3.5\nx * 2", "result": "7"},
    ]

    code_display_data = [
        {"code": 'display.Show(display.HTML("<b>hi</b>"))', "mime": "text/html"},
        {"code": 'import "image"\ndisplay.Show(image.NewRGBA(image.Rect(0, 0, 2, 2)))', "mime": "image/png"},
    ]

    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "fmt.Println"

    code_clear_output = "display.Clear(false)"


if __name__ == "__main__":
    unittest.main()
