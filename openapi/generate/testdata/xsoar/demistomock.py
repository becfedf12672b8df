"""A stand-in for XSOAR's demisto object, so xsoar_test.go can run the integration script
outside XSOAR. The call comes from the IDCMD_XSOAR_CALL environment variable (JSON); what the
script hands to XSOAR is printed to stdout, one JSON object a line: {"kind": "results", "value":
<what demisto.results got>}, and the client's and requests' settings for the test to check.

As in XSOAR (and demisto/content Tests/demistomock/demistomock.py), incident() is the first of
the calling context's incidents, an IndexError without one; investigation() is the war room."""
import json
import os
import sys

_CALL = json.loads(os.environ['IDCMD_XSOAR_CALL'])


def record(kind, value):
    print(json.dumps({'kind': kind, 'value': value}, sort_keys=True), flush=True)


def results(results):
    """Outputs entries to the war room: an entry, a list of entries, or a string."""
    record('results', results)


def params():
    return _CALL.get('params') or {}


def command():
    return _CALL['command']


def args():
    return _CALL.get('args') or {}


def incidents():
    return [_CALL['incident']] if _CALL.get('incident') else []


def incident():
    return incidents()[0]


def investigation():
    return _CALL.get('investigation') or {}


def parentEntry():
    return _CALL.get('parent_entry') or {}


def info(msg, *args):
    print(msg, *args, file=sys.stderr)


def debug(msg, *args):
    print(msg, *args, file=sys.stderr)


def error(msg, *args):
    print(msg, *args, file=sys.stderr)
