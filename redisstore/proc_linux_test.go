package redisstore_test

import "syscall"

// sysProcAttr makes a started redis-server die with the test binary.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
