package origin

// EditDistance is the Levenshtein distance between a and b when it is at most
// k, and k+1 otherwise. Only cells within k of the diagonal are computed,
// on the stack: len(a) and len(b) must be under 128.
func EditDistance(a string, b []byte, k int) int {
	if len(a) >= 128 || len(b) >= 128 || len(a)-len(b) > k || len(b)-len(a) > k {
		return k + 1
	}
	var prev, cur [128]int
	for j := range len(b) + 1 {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-k), min(len(b), i+k)
		cur[lo-1] = k + 1
		if lo == 1 {
			cur[0] = i
		}
		rowMin := cur[lo-1]
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			up := k + 1
			if j <= i-1+k {
				up = prev[j]
			}
			cur[j] = min(up+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if hi < len(b) {
			cur[hi+1] = k + 1
		}
		if rowMin > k {
			return k + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], k+1)
}
