package settings

import "strings"

// outputAccount names an output's secret in the keyring.
func outputAccount(outputID string) string { return "output/" + outputID }

// SaveOutputSecret stores the stream key or token of an output; an empty
// secret deletes it. Set Output.HasSecret to match.
func SaveOutputSecret(sec *Secrets, outputID, secret string) error {
	if secret == "" {
		return sec.Delete(outputAccount(outputID))
	}
	return sec.Set(outputAccount(outputID), secret)
}

// OutputSecret returns the stream key or token of an output, or ErrNotFound.
func OutputSecret(sec *Secrets, outputID string) (string, error) {
	return sec.Get(outputAccount(outputID))
}

// SplitRTMP splits a full publish URL the OBS way: the server is
// scheme://host[:port]/app and the key is everything after the app
// ("rtmp://h/live/abc" → "rtmp://h/live", "abc"). Only the server may be
// saved in Settings.
func SplitRTMP(full string) (server, key string) {
	full = strings.TrimSpace(full)
	scheme, rest := "", full
	if i := strings.Index(full, "://"); i >= 0 {
		scheme, rest = full[:i+3], full[i+3:]
	}
	host, path, ok := strings.Cut(rest, "/")
	if !ok {
		return full, ""
	}
	app, key, _ := strings.Cut(path, "/")
	return scheme + host + "/" + app, key
}

// JoinRTMP is the inverse of SplitRTMP: the URL the RTMP sink publishes to.
func JoinRTMP(server, key string) string {
	if key == "" {
		return server
	}
	return strings.TrimRight(server, "/") + "/" + strings.TrimLeft(key, "/")
}
