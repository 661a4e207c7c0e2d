// Package telemetry holds onair's measurements: time series the graphs
// draw and QA exports. It depends on media only, never on a native library.
package telemetry
