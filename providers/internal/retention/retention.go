// Package retention holds what the fakes share to keep their logs bounded
// as the vendors' retention does, oldest first: a sandbox that runs for
// days and takes many thousands of calls must not grow without end.
package retention

// DeleteAt removes s[i] and returns the shorter slice. It moves whichever
// side of i is shorter, so dropping an entry near either end of a long
// log is cheap (the oldest entries are near the front), and it clears the
// vacated slot so the removed element can be collected. When the front
// side moves, the result starts one element later in the same array; a
// later append reallocates as usual once the capacity is used up.
func DeleteAt[S ~[]E, E any](s S, i int) S {
	var zero E
	if i < len(s)-1-i {
		copy(s[1:i+1], s[:i])
		s[0] = zero
		return s[1:]
	}
	copy(s[i:], s[i+1:])
	s[len(s)-1] = zero
	return s[:len(s)-1]
}
