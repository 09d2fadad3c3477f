"""The names `from <module> import *` binds for the standard library modules whose star imports the
Python front-end resolves (`from socket import *` binds `socket`, `create_connection`, ...).

A table, never an import: importing the module by name could run an analysed tree's own `ssl.py`.
Regenerate it with `python -I tools/star_exports.py` (callables only: the front-end resolves calls).
"""
from __future__ import annotations

STAR_EXPORTS: dict[str, frozenset[str]] = {
    'socket': frozenset({
        'AddressFamily', 'CMSG_LEN', 'CMSG_SPACE', 'SocketKind', 'SocketType', 'close', 'create_connection',
        'create_server', 'dup', 'error', 'fromfd', 'gaierror', 'getaddrinfo', 'getdefaulttimeout', 'getfqdn',
        'gethostbyaddr', 'gethostbyname', 'gethostbyname_ex', 'gethostname', 'getnameinfo', 'getprotobyname',
        'getservbyname', 'getservbyport', 'has_dualstack_ipv6', 'herror', 'htonl', 'htons', 'if_indextoname',
        'if_nameindex', 'if_nametoindex', 'inet_aton', 'inet_ntoa', 'inet_ntop', 'inet_pton', 'ntohl',
        'ntohs', 'recv_fds', 'send_fds', 'setdefaulttimeout', 'sethostname', 'socket', 'socketpair',
        'timeout',
    }),
    'ssl': frozenset({
        'AlertDescription', 'CertificateError', 'DER_cert_to_PEM_cert', 'DefaultVerifyPaths', 'MemoryBIO',
        'Options', 'PEM_cert_to_DER_cert', 'Purpose', 'RAND_add', 'RAND_bytes', 'RAND_pseudo_bytes',
        'RAND_status', 'SSLCertVerificationError', 'SSLContext', 'SSLEOFError', 'SSLError', 'SSLErrorNumber',
        'SSLObject', 'SSLSession', 'SSLSocket', 'SSLSyscallError', 'SSLWantReadError', 'SSLWantWriteError',
        'SSLZeroReturnError', 'TLSVersion', 'VerifyFlags', 'VerifyMode', 'cert_time_to_seconds',
        'create_connection', 'create_default_context', 'get_default_verify_paths', 'get_protocol_name',
        'get_server_certificate', 'match_hostname', 'namedtuple', 'socket', 'socket_error', 'wrap_socket',
    }),
    'os': frozenset({
        'DirEntry', 'WCOREDUMP', 'WEXITSTATUS', 'WIFCONTINUED', 'WIFEXITED', 'WIFSIGNALED', 'WIFSTOPPED',
        'WSTOPSIG', 'WTERMSIG', '_exit', 'abort', 'access', 'chdir', 'chmod', 'chown', 'chroot', 'close',
        'closerange', 'confstr', 'copy_file_range', 'cpu_count', 'ctermid', 'device_encoding', 'dup', 'dup2',
        'error', 'eventfd', 'eventfd_read', 'eventfd_write', 'execl', 'execle', 'execlp', 'execlpe', 'execv',
        'execve', 'execvp', 'execvpe', 'fchdir', 'fchmod', 'fchown', 'fdatasync', 'fdopen', 'fork', 'forkpty',
        'fpathconf', 'fsdecode', 'fsencode', 'fspath', 'fstat', 'fstatvfs', 'fsync', 'ftruncate', 'fwalk',
        'get_blocking', 'get_exec_path', 'get_inheritable', 'get_terminal_size', 'getcwd', 'getcwdb',
        'getegid', 'getenv', 'getenvb', 'geteuid', 'getgid', 'getgrouplist', 'getgroups', 'getloadavg',
        'getlogin', 'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority', 'getrandom', 'getresgid',
        'getresuid', 'getsid', 'getuid', 'getxattr', 'initgroups', 'isatty', 'kill', 'killpg', 'lchown',
        'link', 'listdir', 'listxattr', 'lockf', 'login_tty', 'lseek', 'lstat', 'major', 'makedev',
        'makedirs', 'memfd_create', 'minor', 'mkdir', 'mkfifo', 'mknod', 'nice', 'open', 'openpty',
        'pathconf', 'pidfd_open', 'pipe', 'pipe2', 'popen', 'posix_fadvise', 'posix_fallocate', 'posix_spawn',
        'posix_spawnp', 'pread', 'preadv', 'putenv', 'pwrite', 'pwritev', 'read', 'readlink', 'readv',
        'register_at_fork', 'remove', 'removedirs', 'removexattr', 'rename', 'renames', 'replace', 'rmdir',
        'scandir', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_getaffinity', 'sched_getparam',
        'sched_getscheduler', 'sched_param', 'sched_rr_get_interval', 'sched_setaffinity', 'sched_setparam',
        'sched_setscheduler', 'sched_yield', 'sendfile', 'set_blocking', 'set_inheritable', 'setegid',
        'seteuid', 'setgid', 'setgroups', 'setpgid', 'setpgrp', 'setpriority', 'setregid', 'setresgid',
        'setresuid', 'setreuid', 'setsid', 'setuid', 'setxattr', 'spawnl', 'spawnle', 'spawnlp', 'spawnlpe',
        'spawnv', 'spawnve', 'spawnvp', 'spawnvpe', 'splice', 'stat', 'stat_result', 'statvfs',
        'statvfs_result', 'strerror', 'symlink', 'sync', 'sysconf', 'system', 'tcgetpgrp', 'tcsetpgrp',
        'terminal_size', 'times', 'times_result', 'truncate', 'ttyname', 'umask', 'uname', 'uname_result',
        'unlink', 'unsetenv', 'urandom', 'utime', 'wait', 'wait3', 'wait4', 'waitid', 'waitid_result',
        'waitpid', 'waitstatus_to_exitcode', 'walk', 'write', 'writev',
    }),
    'select': frozenset({
        'epoll', 'error', 'poll', 'select',
    }),
    'selectors': frozenset({
        'ABCMeta', 'BaseSelector', 'DefaultSelector', 'EpollSelector', 'Mapping', 'PollSelector',
        'SelectSelector', 'SelectorKey', 'abstractmethod', 'namedtuple',
    }),
    'contextlib': frozenset({
        'AbstractAsyncContextManager', 'AbstractContextManager', 'AsyncExitStack', 'ContextDecorator',
        'ExitStack', 'aclosing', 'asynccontextmanager', 'chdir', 'closing', 'contextmanager', 'nullcontext',
        'redirect_stderr', 'redirect_stdout', 'suppress',
    }),
    'http.client': frozenset({
        'BadStatusLine', 'CannotSendHeader', 'CannotSendRequest', 'HTTPConnection', 'HTTPException',
        'HTTPResponse', 'HTTPSConnection', 'ImproperConnectionState', 'IncompleteRead', 'InvalidURL',
        'LineTooLong', 'NotConnected', 'RemoteDisconnected', 'ResponseNotReady', 'UnimplementedFileMode',
        'UnknownProtocol', 'UnknownTransferEncoding', 'error',
    }),
    'urllib.request': frozenset({
        'AbstractBasicAuthHandler', 'AbstractDigestAuthHandler', 'BaseHandler', 'CacheFTPHandler',
        'DataHandler', 'FTPHandler', 'FancyURLopener', 'FileHandler', 'HTTPBasicAuthHandler',
        'HTTPCookieProcessor', 'HTTPDefaultErrorHandler', 'HTTPDigestAuthHandler', 'HTTPErrorProcessor',
        'HTTPHandler', 'HTTPPasswordMgr', 'HTTPPasswordMgrWithDefaultRealm', 'HTTPPasswordMgrWithPriorAuth',
        'HTTPRedirectHandler', 'HTTPSHandler', 'OpenerDirector', 'ProxyBasicAuthHandler',
        'ProxyDigestAuthHandler', 'ProxyHandler', 'Request', 'URLopener', 'UnknownHandler', 'build_opener',
        'getproxies', 'install_opener', 'pathname2url', 'url2pathname', 'urlcleanup', 'urlopen',
        'urlretrieve',
    }),
    'atexit': frozenset({
        'register', 'unregister',
    }),
}
