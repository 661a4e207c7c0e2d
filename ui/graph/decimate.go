package graph

import "time"

// decimate appends to dst the points of pts (sorted by T) worth drawing across
// cols pixel columns spanning start…start+span. Above two points per column it
// keeps each column's min and max in time order, so a one-sample spike (a loss
// burst) still shows while the object count stays bounded by the width.
func decimate(dst, pts []Point, start, span time.Duration, cols int) []Point {
	cols = max(cols, 1)
	if len(pts) <= 2*cols || span <= 0 {
		return append(dst, pts...)
	}
	scale := float64(cols) / float64(span)
	bucket := func(t time.Duration) int {
		return min(max(int(float64(t-start)*scale), 0), cols-1)
	}
	cur, lo, hi := bucket(pts[0].T), 0, 0 // lo, hi: indices of the column's min and max
	for i := 1; i < len(pts); i++ {
		if b := bucket(pts[i].T); b != cur {
			dst = appendMinMax(dst, pts, lo, hi)
			cur, lo, hi = b, i, i
			continue
		}
		if pts[i].V < pts[lo].V {
			lo = i
		}
		if pts[i].V > pts[hi].V {
			hi = i
		}
	}
	return appendMinMax(dst, pts, lo, hi)
}

func appendMinMax(dst, pts []Point, lo, hi int) []Point {
	switch {
	case lo == hi:
		return append(dst, pts[lo])
	case lo < hi:
		return append(dst, pts[lo], pts[hi])
	default:
		return append(dst, pts[hi], pts[lo])
	}
}
