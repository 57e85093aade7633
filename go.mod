module github.com/cwmpkit/cwmpkit

go 1.26

require github.com/icholy/digest v1.2.0
