module github.com/onair-dev/onair

go 1.24

require (
	github.com/asticode/go-astiav v0.16.0
	go.uber.org/goleak v1.3.0
)

require github.com/asticode/go-astikit v0.42.0 // indirect
