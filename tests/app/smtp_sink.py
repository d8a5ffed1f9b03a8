"""A real SMTP server for the mail tests (Debian's python3-aiosmtpd): every mail it takes is written
to DIR as NNNNNN.eml, headed by the envelope's recipients (X-Envelope-To). It refuses recipients
whose address contains "bounce" for good (550), and the first --tempfail mails for now (451).
Prints "ready" once it listens; runs until stdin closes (the test ends), or with --forever until
killed (scripts/test.sh runs one for the browser tests)."""
import argparse
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, tempfail):
        self.directory = directory
        self.tempfail = tempfail
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "bounce" in address:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.tempfail > 0:
            self.tempfail -= 1
            return "451 4.3.0 Busy, try again later"
        self.count += 1
        name = os.path.join(self.directory, f"{self.count:06d}.eml")
        with open(name + ".part", "wb") as out:
            out.write(("X-Envelope-To: " + ",".join(envelope.rcpt_tos) + "\r\n").encode())
            out.write(envelope.original_content or envelope.content)
        os.rename(name + ".part", name)
        return "250 2.0.0 Accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tempfail", type=int, default=0)
    parser.add_argument("--forever", action="store_true")
    args = parser.parse_args()
    controller = Controller(Sink(args.dir, args.tempfail), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    if args.forever:
        threading.Event().wait()
    sys.stdin.read()
    controller.stop()


main()
