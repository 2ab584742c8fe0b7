"""Drives a command on a pseudo-terminal for ChatReplTest.

usage: pty_drive.py STEPS_JSON CMD...
STEPS_JSON: a list of ["expect", text] (wait until text appears after the previous match), ["send", text] and
["sleep", seconds]. Prints everything the command wrote, then "DRIVER-EXIT <code>"; a missing expected text prints
"DRIVER: did not see ..." and kills the command. Gives up after 110 s.
"""
import fcntl, json, os, pty, select, signal, struct, sys, termios, time

steps = json.loads(sys.argv[1])
cmd = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    os.environ["TERM"] = "xterm-256color"
    os.execvp(cmd[0], cmd)
buf = b""
def read(timeout):
    global buf
    r, _, _ = select.select([fd], [], [], timeout)
    if not r: return False
    try: data = os.read(fd, 65536)
    except OSError: return None
    if not data: return None
    buf += data; return True
pos = 0
deadline = time.time() + 110
ok = True
for step in steps:
    if step[0] == "expect":
        want = step[1].encode()
        while True:
            i = buf.find(want, pos)
            if i >= 0: pos = i + len(want); break
            if time.time() > deadline or read(0.2) is None:
                ok = False; break
        if not ok:
            sys.stdout.write("DRIVER: did not see %r\n" % step[1]); break
    elif step[0] == "send":
        os.write(fd, step[1].encode())
    elif step[0] == "sleep":
        time.sleep(step[1])
while ok and time.time() < deadline:
    if read(0.5) is None: break
done, status = os.waitpid(pid, os.WNOHANG)
if done == 0:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
sys.stdout.write(buf.decode("utf-8", "replace"))
sys.stdout.write("\nDRIVER-EXIT %d\n" % (os.waitstatus_to_exitcode(status)))
