# Tests of util/ (the error registry, text helpers).
