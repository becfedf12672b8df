"""A stand-in for XSOAR's demisto object, so xsoar_test.go can run the integration script
outside XSOAR. The call comes from the IDCMD_XSOAR_CALL environment variable (JSON); what the
script returns is printed to stdout, one JSON object a line."""
import json
import os

_CALL = json.loads(os.environ['IDCMD_XSOAR_CALL'])


def record(kind, value):
    print(json.dumps({'kind': kind, 'value': value}, sort_keys=True), flush=True)


def params():
    return _CALL.get('params') or {}


def command():
    return _CALL['command']


def args():
    return _CALL.get('args') or {}


def incident():
    # Like XSOAR's: the first of the calling context's incidents, an IndexError without one.
    return ([_CALL['incident']] if _CALL.get('incident') else [])[0]


def investigation():
    return _CALL.get('investigation') or {}


def parentEntry():
    return _CALL.get('parent_entry') or {}
