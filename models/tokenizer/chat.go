package tokenizer

import (
	"fmt"
	"strings"
)

// ChatFormat names a chat prompt format.
type ChatFormat string

// The chat formats this package can build.
const (
	ChatNone    ChatFormat = ""        // no chat format detected
	ChatLlama2  ChatFormat = "llama2"  // <s>[INST] <<SYS>>...<</SYS>> ... [/INST]
	ChatLlama3  ChatFormat = "llama3"  // <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
	ChatMistral ChatFormat = "mistral" // <s>[INST] ... [/INST]...</s>
	ChatML      ChatFormat = "chatml"  // <|im_start|>role\n...<|im_end|>\n (Qwen)
	ChatGemma   ChatFormat = "gemma"   // <start_of_turn>user\n...<end_of_turn>\n
	ChatPhi3    ChatFormat = "phi3"    // <|user|>\n...<|end|>\n<|assistant|>\n
)

// ChatFormats lists the formats ParseChatFormat accepts.
var ChatFormats = []ChatFormat{ChatLlama2, ChatLlama3, ChatMistral, ChatML, ChatGemma, ChatPhi3}

// ParseChatFormat returns the format with the given name.
func ParseChatFormat(name string) (ChatFormat, error) {
	for _, f := range ChatFormats {
		if string(f) == strings.ToLower(name) {
			return f, nil
		}
	}
	return ChatNone, fmt.Errorf("tokenizer: unknown chat format %q (want one of %v)", name, ChatFormats)
}

// Message is one turn of a conversation. Role is "system", "user" or
// "assistant" (ChatML and Llama 3 accept any role, e.g. "tool").
type Message struct {
	Role    string
	Content string
}

func (t *Tokenizer) hasToken(s string) bool {
	_, ok := t.ID(s)
	return ok
}

// ChatFormat detects the chat format from the special tokens and the chat
// template: Llama 3 header tokens, ChatML <|im_start|>, Gemma turns, Phi-3
// <|user|>, then [INST] in the template (<<SYS>> means Llama 2, else
// Mistral) or an [INST] token (Mistral). ChatNone when nothing matches
// (base models without a template).
func (t *Tokenizer) ChatFormat() ChatFormat {
	tpl := t.chatTemplate
	switch {
	case t.hasToken("<|start_header_id|>") && t.hasToken("<|eot_id|>"):
		return ChatLlama3
	case t.hasToken("<|im_start|>") && t.hasToken("<|im_end|>"):
		return ChatML
	case t.hasToken("<start_of_turn>") && t.hasToken("<end_of_turn>"):
		return ChatGemma
	case (t.hasToken("<|user|>") && t.hasToken("<|assistant|>")) || strings.Contains(tpl, "<|user|>"):
		return ChatPhi3
	case strings.Contains(tpl, "[INST]") && strings.Contains(tpl, "<<SYS>>"):
		return ChatLlama2
	case strings.Contains(tpl, "[INST]") || t.hasToken("[INST]"):
		return ChatMistral
	}
	return ChatNone
}

// ChatPrompt builds the prompt text for msgs in the detected format (see
// FormatChat).
func (t *Tokenizer) ChatPrompt(msgs []Message, addGenerationPrompt bool) (string, error) {
	f := t.ChatFormat()
	if f == ChatNone {
		return "", fmt.Errorf("tokenizer: no chat format detected (no chat special tokens or chat template); choose one with FormatChat")
	}
	return t.FormatChat(f, msgs, addGenerationPrompt)
}

// EncodeChat builds the prompt in the detected format and encodes it as
// Hugging Face's apply_chat_template(tokenize=True) does: special-token
// text parsed, no BOS/EOS added beyond what the text holds.
func (t *Tokenizer) EncodeChat(msgs []Message) ([]int, error) {
	p, err := t.ChatPrompt(msgs, true)
	if err != nil {
		return nil, err
	}
	return t.Encode(p, EncodeOptions{ParseSpecial: true})
}

func (t *Tokenizer) tokenText(id int, def string) string {
	if s := t.Token(id); s != "" {
		return s
	}
	return def
}

// FormatChat builds the prompt text for msgs in format f, as the models'
// Hugging Face chat templates render it: the text includes BOS where the
// template writes bos_token (Llama 2/3, Mistral, Gemma; Phi-3 only when its
// chat template does) and should be encoded with EncodeOptions{ParseSpecial:
// true} and no AddSpecial. addGenerationPrompt appends the header that
// opens the assistant's turn. Details:
//   - Llama 3: contents trimmed; any role.
//   - ChatML: contents verbatim; any role; the default system message of
//     the template ("You are a helpful assistant." in Qwen 2) is added when
//     the conversation has none.
//   - Gemma: "assistant" becomes "model"; a system message is prefixed to
//     the first user turn (Gemma 3's template); contents trimmed.
//   - Llama 2: the system message goes inside the first [INST] between
//     <<SYS>> markers; contents stripped.
//   - Mistral: a system message is prefixed to the first user turn.
func (t *Tokenizer) FormatChat(f ChatFormat, msgs []Message, addGenerationPrompt bool) (string, error) {
	for i, m := range msgs {
		switch m.Role {
		case "system", "user", "assistant":
		default:
			if f != ChatLlama3 && f != ChatML {
				return "", fmt.Errorf("tokenizer: chat format %s: message %d has role %q (want system, user or assistant)", f, i, m.Role)
			}
			if m.Role == "" {
				return "", fmt.Errorf("tokenizer: chat message %d has no role", i)
			}
		}
		if m.Role == "system" && i > 0 && f != ChatLlama3 && f != ChatML && f != ChatPhi3 {
			return "", fmt.Errorf("tokenizer: chat format %s: a system message must come first (message %d)", f, i)
		}
	}
	var sb strings.Builder
	system, rest := "", msgs
	hasSystem := len(msgs) > 0 && msgs[0].Role == "system"
	if hasSystem {
		system, rest = msgs[0].Content, msgs[1:]
	}
	switch f {
	case ChatLlama3:
		sb.WriteString(t.tokenText(t.bos, "<|begin_of_text|>"))
		for _, m := range msgs {
			sb.WriteString("<|start_header_id|>" + m.Role + "<|end_header_id|>\n\n" + strings.TrimSpace(m.Content) + "<|eot_id|>")
		}
		if addGenerationPrompt {
			sb.WriteString("<|start_header_id|>assistant<|end_header_id|>\n\n")
		}
	case ChatML:
		if !hasSystem {
			if d := t.defaultSystem(); d != "" {
				sb.WriteString("<|im_start|>system\n" + d + "<|im_end|>\n")
			}
		}
		for _, m := range msgs {
			sb.WriteString("<|im_start|>" + m.Role + "\n" + m.Content + "<|im_end|>\n")
		}
		if addGenerationPrompt {
			sb.WriteString("<|im_start|>assistant\n")
		}
	case ChatGemma:
		sb.WriteString(t.tokenText(t.bos, "<bos>"))
		for i, m := range rest {
			role := m.Role
			if role == "assistant" {
				role = "model"
			}
			prefix := ""
			if i == 0 && hasSystem {
				prefix = system + "\n\n"
			}
			sb.WriteString("<start_of_turn>" + role + "\n" + prefix + strings.TrimSpace(m.Content) + "<end_of_turn>\n")
		}
		if addGenerationPrompt {
			sb.WriteString("<start_of_turn>model\n")
		}
	case ChatPhi3:
		if strings.Contains(t.chatTemplate, "bos_token") {
			sb.WriteString(t.tokenText(t.bos, "<s>"))
		}
		for _, m := range msgs {
			sb.WriteString("<|" + m.Role + "|>\n" + m.Content + "<|end|>\n")
		}
		if addGenerationPrompt {
			sb.WriteString("<|assistant|>\n")
		}
	case ChatLlama2:
		bos, eos := t.tokenText(t.bos, "<s>"), t.tokenText(t.eos, "</s>")
		for i, m := range rest {
			content := m.Content
			if i == 0 && hasSystem {
				content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content
			}
			switch m.Role {
			case "user":
				sb.WriteString(bos + "[INST] " + strings.TrimSpace(content) + " [/INST]")
			case "assistant":
				sb.WriteString(" " + strings.TrimSpace(content) + " " + eos)
			}
		}
	case ChatMistral:
		sb.WriteString(t.tokenText(t.bos, "<s>"))
		eos := t.tokenText(t.eos, "</s>")
		for i, m := range rest {
			content := m.Content
			if i == 0 && hasSystem {
				content = system + "\n\n" + content
			}
			switch m.Role {
			case "user":
				sb.WriteString("[INST] " + content + " [/INST]")
			case "assistant":
				sb.WriteString(content + eos)
			}
		}
	default:
		return "", fmt.Errorf("tokenizer: unknown chat format %q", f)
	}
	return sb.String(), nil
}

// defaultSystem returns the default system message a ChatML template
// inserts when the conversation has none (Qwen 2 and 2.5), or "".
func (t *Tokenizer) defaultSystem() string {
	for _, s := range []string{
		"You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
		"You are a helpful assistant.",
	} {
		if strings.Contains(t.chatTemplate, s) {
			return s
		}
	}
	return ""
}
