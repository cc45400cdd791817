package tokenizer

import (
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
)

var chatMsgs = []Message{
	{Role: "system", Content: "Be brief."},
	{Role: "user", Content: " Hi there "},
	{Role: "assistant", Content: "Hello."},
	{Role: "user", Content: "Who are you?"},
}

func TestChatFormats(t *testing.T) {
	cases := []struct {
		tok  string
		fmt  ChatFormat
		want string
	}{
		{"llama3", ChatLlama3, "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
			"<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>" +
			"<|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
		{"qwen3", ChatML, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n Hi there <|im_end|>\n" +
			"<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n"},
		{"gemma3", ChatGemma, "<bos><start_of_turn>user\nBe brief.\n\nHi there<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n" +
			"<start_of_turn>user\nWho are you?<end_of_turn>\n<start_of_turn>model\n"},
		{"llama2", ChatNone, ""}, // Mistral v0.1 files: no template, no chat tokens
	}
	for _, c := range cases {
		t.Run(c.tok, func(t *testing.T) {
			tk := tokrefTokenizer(t, c.tok)
			if got := tk.ChatFormat(); got != c.fmt {
				t.Fatalf("ChatFormat() = %q, want %q", got, c.fmt)
			}
			if c.fmt == ChatNone {
				if _, err := tk.ChatPrompt(chatMsgs, true); err == nil {
					t.Error("ChatPrompt without a format: no error")
				}
				return
			}
			got, err := tk.ChatPrompt(chatMsgs, true)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("prompt:\n got %q\nwant %q", got, c.want)
			}
			ids, err := tk.EncodeChat(chatMsgs)
			if err != nil {
				t.Fatal(err)
			}
			// the markers are single special ids
			for _, marker := range []string{"<|start_header_id|>", "<|im_start|>", "<start_of_turn>"} {
				if id, ok := tk.ID(marker); ok && !contains(ids, id) {
					t.Errorf("encoded prompt lacks %s (%d): %v", marker, id, ids)
				}
			}
			if tk.BOS() >= 0 && c.fmt != ChatML && ids[0] != tk.BOS() {
				t.Errorf("encoded prompt starts with %d, want BOS %d", ids[0], tk.BOS())
			}
			if tk.BOS() >= 0 && len(ids) > 1 && ids[1] == tk.BOS() {
				t.Errorf("BOS twice: %v", ids[:4])
			}
		})
	}
}

func TestChatFormatsFromTemplates(t *testing.T) {
	base := loadOnce(t, testenv.Shared(t, "vocab", "ggml-vocab-llama-spm.gguf"))
	phi3 := loadOnce(t, testenv.Shared(t, "vocab", "ggml-vocab-phi-3.gguf"))
	if got := phi3.ChatFormat(); got != ChatPhi3 {
		t.Fatalf("phi-3 GGUF: ChatFormat() = %q, want phi3", got)
	}
	got, err := phi3.ChatPrompt(chatMsgs[1:2], true)
	if err != nil {
		t.Fatal(err)
	}
	if want := "<s><|user|>\n Hi there <|end|>\n<|assistant|>\n"; got != want {
		t.Errorf("phi3:\n got %q\nwant %q", got, want)
	}
	if ids, _ := phi3.EncodeChat(chatMsgs[1:2]); !contains(ids, 32010) || ids[0] != 1 { // <|user|> is 32010
		t.Errorf("phi3 ids %v: want BOS then <|user|> (32010)", ids)
	}

	llama2 := *base
	llama2.chatTemplate = "{% if messages[0]['role'] == 'system' %}<<SYS>>{% endif %}[INST]"
	mistral := *base
	mistral.chatTemplate = "{{ bos_token }}{% for m in messages %}[INST] {{ m['content'] }} [/INST]{% endfor %}"
	for _, c := range []struct {
		tk   *Tokenizer
		fmt  ChatFormat
		want string
	}{
		{&llama2, ChatLlama2, "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi there [/INST] Hello. </s><s>[INST] Who are you? [/INST]"},
		{&mistral, ChatMistral, "<s>[INST] Be brief.\n\n Hi there  [/INST]Hello.</s>[INST] Who are you? [/INST]"},
	} {
		if got := c.tk.ChatFormat(); got != c.fmt {
			t.Errorf("ChatFormat() = %q, want %q", got, c.fmt)
			continue
		}
		got, err := c.tk.ChatPrompt(chatMsgs, true)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.fmt, got, c.want)
		}
	}
	if _, err := base.FormatChat(ChatGemma, []Message{{Role: "tool", Content: "x"}}, true); err == nil {
		t.Error("gemma with role tool: no error")
	}
	if _, err := base.FormatChat(ChatMistral, []Message{{Role: "user", Content: "x"}, {Role: "system", Content: "y"}}, true); err == nil {
		t.Error("mistral with a late system message: no error")
	}
	if f, err := ParseChatFormat("ChatML"); err != nil || f != ChatML {
		t.Errorf("ParseChatFormat(ChatML) = %q, %v", f, err)
	}
	if _, err := ParseChatFormat("nope"); err == nil {
		t.Error("ParseChatFormat(nope): no error")
	}
}

func TestQwen2DefaultSystem(t *testing.T) {
	tk := *tokrefTokenizer(t, "qwen3")
	tk.chatTemplate = "{% if messages[0]['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
	got, err := tk.ChatPrompt([]Message{{Role: "user", Content: "Hi"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
