"""Run moto's server with the extension loaded:

    python -m bedrock_emulator --host 127.0.0.1 --port 4566 [--latency-ms 50] [--propagation-delay 10]
"""

import argparse
import os
import signal
import sys
import threading
import time

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

from . import controls, logging_config, profiles, runtime, s3_fidelity


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="bedrock_emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--propagation-delay", type=float, default=0.0)
    parser.add_argument(
        "--exit-with-pid",
        type=int,
        default=None,
        help="exit when this process ends (tests start private emulators this way)",
    )
    args = parser.parse_args(argv)

    if args.exit_with_pid:
        def watch(pid: int) -> None:
            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    os._exit(0)
                except PermissionError:
                    pass
                time.sleep(0.5)

        threading.Thread(target=watch, args=(args.exit_with_pid,), daemon=True).start()

    profiles.install()
    profiles.install_resource_groups_tagging()
    logging_config.install()
    s3_fidelity.install()
    runtime.install()
    controls.settings["latency_ms"] = args.latency_ms
    logging_config.settings["propagation_delay_seconds"] = args.propagation_delay

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))

    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        controls.Controls(app),
        threaded=True,
        use_reloader=False,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
