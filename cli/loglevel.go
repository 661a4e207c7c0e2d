package cli

import (
	"log/slog"
	"os"
	"strings"
)

// logLevel reads ONAIR_LOG (debug, info, warn, error); default info.
func logLevel() slog.Level {
	switch strings.ToLower(os.Getenv("ONAIR_LOG")) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
