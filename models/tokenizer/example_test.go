package tokenizer_test

import (
	"fmt"
	"log"

	"github.com/torchless-go/torchless/models/tokenizer"
)

// Encoding a prompt, streaming generated ids back to text, and building a
// chat prompt.
func Example() {
	tk, err := tokenizer.Load("path/to/model") // a directory, .gguf, model.bin or tokenizer.json
	if err != nil {
		log.Fatal(err)
	}
	ids, err := tk.EncodeDefault("The capital of France is") // BOS as configured, special text parsed
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ids, tk.TokenText(ids[len(ids)-1]))

	sd := tk.NewStreamDecoder()
	for _, id := range []int{ /* generated ids */ } {
		fmt.Print(sd.Add(id)) // never half a UTF-8 character
	}
	fmt.Print(sd.Flush())

	if tk.ChatFormat() != tokenizer.ChatNone {
		prompt, err := tk.EncodeChat([]tokenizer.Message{{Role: "user", Content: "Hi!"}})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(prompt, tk.EOSIDs())
	}
}
