package kernel

import (
	"context"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/introspect"
	"github.com/torchless-go/torchless/kernel/display"
	"github.com/torchless-go/torchless/models"
)

func TestRichDisplayOfProjectObjects(t *testing.T) {
	m, err := models.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	d := display.Render(m)
	if html, _ := d.Data["text/html"].(string); !strings.Contains(html, "llama") || !strings.Contains(d.Data["text/plain"].(string), "2 layers") {
		t.Errorf("model display: %v", d.Data)
	}
	c, err := introspect.RunWithCache(context.Background(), m, []int{1, 2, 3}, introspect.CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if html, _ := display.Render(c).Data["text/html"].(string); !strings.Contains(html, "blocks.1.attn.hook_pattern") {
		t.Error("cache display lacks its hooks")
	}
	if html, _ := display.Render(c.Get("blocks.0.hook_resid_post")).Data["text/html"].(string); !strings.Contains(html, "svg") {
		t.Error("tensor display lacks its histogram")
	}
	s, err := introspect.PreviousTokenScores(m, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := display.Render(s).Data["image/png"]; !ok {
		t.Error("score matrix not shown as a figure")
	}
}
