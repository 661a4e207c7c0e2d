package filters

import "sort"

// Options changes how Parse builds filters. The zero value is the default.
type Options struct {
	// CascadeDirs, when non-nil, replaces the directories the face filter
	// searches for its Haar cascade (default: DefaultCascadeDirs()).
	CascadeDirs []string
}

// entry is one registered filter: its description and its builder.
type entry struct {
	info  *Info
	build func(a *args, o Options) (Filter, error)
}

// registry lists every filter, in the order List() shows them.
var registry = []entry{
	{&grayInfo, func(a *args, _ Options) (Filter, error) { return NewGray(), nil }},
	{&blurInfo, parseBlur},
	{&cannyInfo, parseCanny},
	{&faceInfo, parseFace},
	{&chromaInfo, parseChroma},
	{&flipInfo, parseFlip},
	{&adjustInfo, parseAdjust},
	{&pixelateInfo, parsePixelate},
	{&overlayInfo, parseOverlay},
}

func lookup(name string) (entry, bool) {
	for _, e := range registry {
		if e.info.Name == name {
			return e, true
		}
	}
	return entry{}, false
}

// Names returns the registered filter names, sorted.
func Names() []string {
	names := make([]string, len(registry))
	for i, e := range registry {
		names[i] = e.info.Name
	}
	sort.Strings(names)
	return names
}

// List describes every registered filter and its parameters, for
// `onair filters list` and the GUI. The result is a copy.
func List() []Info {
	out := make([]Info, len(registry))
	for i, e := range registry {
		in := *e.info
		in.Params = make([]Param, len(e.info.Params))
		for j, p := range e.info.Params {
			p.Choices = append([]string(nil), p.Choices...)
			in.Params[j] = p
		}
		out[i] = in
	}
	return out
}

// Lookup returns the description of one filter.
func Lookup(name string) (Info, bool) {
	for _, in := range List() {
		if in.Name == name {
			return in, true
		}
	}
	return Info{}, false
}

// Parse builds a filter from a spec such as "gray", "blur:k=9",
// "canny:low=50,high=150" or "chroma:color=00ff00,tol=40,bg=path.png".
// Omitted parameters take their defaults. Errors match ErrUnknownFilter,
// ErrBadParam, ErrCascadeMissing or ErrBadImage with errors.Is.
func Parse(spec string) (Filter, error) { return ParseWith(spec, Options{}) }

// ParseWith is Parse with options.
func ParseWith(spec string, o Options) (Filter, error) {
	name, keys, vals, err := splitSpec(spec)
	if err != nil {
		return nil, err
	}
	e, ok := lookup(name)
	if !ok {
		return nil, &UnknownFilterError{Name: name, Known: Names()}
	}
	a, err := newArgs(e.info, keys, vals)
	if err != nil {
		return nil, err
	}
	return e.build(a, o)
}
