module leakdemo

go 1.19
