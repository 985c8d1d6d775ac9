"""Run moto's server with the extension loaded:

    python -m bedrock_emulator --host 127.0.0.1 --port 4566 [--latency-ms 50] [--propagation-delay 10]
        [--tls-port 4567 --tls-dir DIR]

The port answers HTTP/1.1 and HTTP/2 (prior knowledge); the TLS port, HTTPS with either
protocol by ALPN (server.py, tls.py).
"""

import argparse
import os
import signal
import sys
import threading
import time

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from . import access, catalog, controls, cost, guardrails, logging_config, profiles, runtime, s3_fidelity, server, sts_fidelity, tls


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="bedrock_emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--propagation-delay", type=float, default=0.0)
    parser.add_argument("--tls-port", type=int, default=None, help="also serve HTTPS on this port")
    parser.add_argument("--tls-dir", default=None, help="where the CA and the server certificate live")
    parser.add_argument("--catalog-dir", default=None, help="per-region catalogs read from an account (local catalog --from-aws)")
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

    catalog.set_account_dir(args.catalog_dir)
    profiles.install()
    profiles.install_resource_groups_tagging()
    logging_config.install()
    s3_fidelity.install()
    sts_fidelity.install()
    runtime.install()
    guardrails.install()
    access.install()
    cost.install()
    from . import iam_fidelity; iam_fidelity.install()  # noqa: E702 (IAM operations moto lacks)
    from . import api_keys; api_keys.install()  # noqa: E702 (service-specific credentials: Bedrock API keys)
    from . import organizations_fidelity; organizations_fidelity.install()  # noqa: E702 (who may list an organization's accounts)
    from . import rates; rates.install()  # noqa: E702 (AWS's request-rate quotas, on demand)
    from . import monitoring_fidelity; monitoring_fidelity.install()  # noqa: E702 (SNS and CloudWatch as AWS answers)
    from . import service_quotas; service_quotas.install()  # noqa: E702 (Service Quotas for Bedrock, and the quota decisions)
    from . import budgets_fidelity; budgets_fidelity.install()  # noqa: E702 (AWS Budgets as AWS answers it)
    controls.settings["latency_ms"] = args.latency_ms
    logging_config.settings["propagation_delay_seconds"] = args.propagation_delay

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))

    # The backends every run uses are made now, not by the first request (controls.warm_up).
    controls.install_fast_iam()
    controls.warm_up()
    controls.info["host"] = args.host
    app = controls.Controls(DomainDispatcherApplication(create_backend_app))
    plain = server.make(args.host, args.port, app)
    if args.tls_port is not None:
        directory = args.tls_dir or os.getcwd()
        context = tls.server_context(directory, args.host, args.tls_port)
        secure = server.make(args.host, args.tls_port, app, tls_context=context)
        host = f"[{args.host}]" if ":" in args.host else args.host
        controls.info["tls_endpoint"] = f"https://{host}:{args.tls_port}"
        controls.info["ca_file"] = os.path.join(os.path.abspath(directory), "ca.pem")
        threading.Thread(target=secure.serve_forever, daemon=True).start()
    plain.serve_forever()


if __name__ == "__main__":
    main()
