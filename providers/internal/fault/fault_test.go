package fault

import "testing"

func TestQueueServesInOrder(t *testing.T) {
	var q Queue
	if q.Next() != 0 {
		t.Fatal("an empty queue served a failure")
	}
	q.Add(2, 429)
	q.Add(0, 500) // nothing
	q.Add(1, 503)
	for i, want := range []int{429, 429, 503, 0, 0} {
		if got := q.Next(); got != want {
			t.Errorf("call %d: %d, want %d", i, got, want)
		}
	}
}
