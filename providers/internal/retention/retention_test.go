package retention

import (
	"slices"
	"testing"
)

// TestDeleteAtKeepsOrderAndClearsTheSlot: removing any index keeps the
// others in order, from either side, and the vacated slot of the backing
// array no longer holds the removed pointer (so it can be collected).
func TestDeleteAtKeepsOrderAndClearsTheSlot(t *testing.T) {
	for n := 1; n <= 6; n++ {
		for i := range n {
			backing := make([]*int, n)
			for k := range backing {
				v := k
				backing[k] = &v
			}
			removed := backing[i]
			got := DeleteAt(slices.Clip(backing), i)
			if len(got) != n-1 {
				t.Fatalf("n=%d i=%d: len %d", n, i, len(got))
			}
			var vals []int
			for _, p := range got {
				vals = append(vals, *p)
			}
			want := slices.Delete(seq(n), i, i+1)
			if !slices.Equal(vals, want) {
				t.Errorf("n=%d i=%d: %v, want %v", n, i, vals, want)
			}
			if slices.Contains(backing, removed) {
				t.Errorf("n=%d i=%d: the backing array still holds the removed element", n, i)
			}
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
