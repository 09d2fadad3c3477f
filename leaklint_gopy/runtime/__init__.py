"""Runtime half of leaklint: proves or refutes resource leaks on live processes.

It reads /proc, sock_diag netlink and SARIF files, runs only the commands a user names, and never
imports the static engine (anything in leaklint outside this package).
"""
