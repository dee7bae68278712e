package review_test

import (
	"os"
	"testing"

	"github.com/safediff/safediff/pkg/review"
)

func TestTmpProf(t *testing.T) {
	f, err := os.Open("/tmp/sd/b/elisions.diff")
	if err != nil {
		t.Skip()
	}
	defer f.Close()
	if _, err := review.Review(f, review.Options{}); err != nil {
		t.Log(err)
	}
}
