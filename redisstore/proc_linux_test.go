package redisstore_test

import "syscall"

// sysProcAttr makes a started redis-server die with the test binary.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// stopSignal and contSignal freeze and resume a process.
const (
	stopSignal = syscall.SIGSTOP
	contSignal = syscall.SIGCONT
)
