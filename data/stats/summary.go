package stats

// hist counts values in whole working days: index = days. Times are whole days, so a
// histogram gives the exact median and percentiles without keeping every value.
type hist []int

func (h *hist) add(v int) {
	if v >= len(*h) {
		*h = append(*h, make([]int, v+1-len(*h))...)
	}
	(*h)[v]++
}

func (h *hist) merge(o hist) {
	if len(o) > len(*h) {
		*h = append(*h, make([]int, len(o)-len(*h))...)
	}
	for v, n := range o {
		(*h)[v] += n
	}
}

// count is how many values the histogram holds.
func (h hist) count() int {
	n := 0
	for _, c := range h {
		n += c
	}
	return n
}

// at returns the value of rank k (1-based) in ascending order.
func (h hist) at(k int) int {
	for v, c := range h {
		if k <= c {
			return v
		}
		k -= c
	}
	return len(h) - 1
}

// times summarises the histogram:
//   - median: the middle value; for an even number of values the mean of the two in
//     the middle (so it may end in .5);
//   - p90: the 90th percentile by the nearest-rank method, the smallest value within
//     which at least 90% of the values lie (the value of rank ⌈0.9·n⌉);
//   - mean: the arithmetic mean.
func (h hist) times() Times {
	n := h.count()
	t := Times{Cases: n}
	if n == 0 {
		return t
	}
	var median float64
	if n%2 == 1 {
		median = float64(h.at((n + 1) / 2))
	} else {
		median = float64(h.at(n/2)+h.at(n/2+1)) / 2
	}
	p90 := float64(h.at((9*n + 9) / 10))
	sum := 0
	for v, c := range h {
		sum += v * c
	}
	mean := float64(sum) / float64(n)
	t.Median, t.P90, t.Mean = &median, &p90, &mean
	return t
}

// ratio is a/b, or nil when b is 0 (nothing to measure).
func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}
