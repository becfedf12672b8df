"""A stand-in for XSOAR's CommonServerPython with only what the idcmd script uses, built on
the standard library, so xsoar_test.go can run the script against a local test server. The
signatures and defaults follow the real module's."""
import json
import sys
import urllib.error
import urllib.request

import demistomock as demisto


# No proxy from the environment: the test server is local.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class DemistoException(Exception):
    def __init__(self, message, exception=None, res=None):
        super().__init__(message)
        self.res = res


class _Response:
    def __init__(self, status_code, text):
        self.status_code, self.text = status_code, text

    def json(self):
        return json.loads(self.text)


class BaseClient:
    def __init__(self, base_url, verify=True, proxy=False, ok_codes=(), headers=None, auth=None):
        self._base_url, self._headers = base_url, headers or {}
        demisto.record('client', {'base_url': base_url, 'verify': verify, 'proxy': proxy})

    def _http_request(self, method, url_suffix='', headers=None, json_data=None, ok_codes=None,
                      resp_type='json', timeout=10, retries=0, error_handler=None, **kwargs):
        demisto.record('request', {'method': method, 'url_suffix': url_suffix, 'timeout': timeout,
                                   'retries': retries})
        req = urllib.request.Request(self._base_url + url_suffix, method=method, headers=headers or self._headers)
        if json_data is not None:  # as requests does for json=
            req.data = json.dumps(json_data).encode()
            req.add_header('Content-Type', 'application/json')
        try:
            with _OPENER.open(req, timeout=timeout) as r:
                res = _Response(r.status, r.read().decode())
        except urllib.error.HTTPError as e:
            res = _Response(e.code, e.read().decode())
        ok = res.status_code in ok_codes if ok_codes else 200 <= res.status_code < 400
        if not ok:
            if error_handler:
                error_handler(res)
            raise DemistoException(f'Error in API call [{res.status_code}]', res=res)
        return res if resp_type == 'response' else res.json()


class CommandResults:
    def __init__(self, outputs_prefix=None, outputs_key_field=None, outputs=None, readable_output=None,
                 raw_response=None, **kwargs):
        self.fields = {'outputs_prefix': outputs_prefix, 'outputs_key_field': outputs_key_field,
                       'outputs': outputs, 'readable_output': readable_output, 'raw_response': raw_response}


def argToList(arg, separator=','):
    if isinstance(arg, list):
        return arg
    if isinstance(arg, str) and arg.startswith('['):
        return json.loads(arg)
    return [s.strip() for s in str(arg).split(separator) if s.strip()]


def argToBoolean(value):
    if isinstance(value, bool):
        return value
    if str(value).lower() in ('true', 'yes'):
        return True
    if str(value).lower() in ('false', 'no'):
        return False
    raise ValueError(f'Argument does not contain a valid boolean-like value: {value}')


def arg_to_number(arg, arg_name=None, required=False):
    if arg is None or arg == '':
        return None
    if isinstance(arg, str) and arg.isdigit():
        return int(arg)
    try:
        return float(arg) if '.' in str(arg) else int(arg)
    except ValueError:
        raise ValueError(f'"{arg}" is not a valid number')


def return_results(results):
    for r in results if isinstance(results, list) else [results]:
        demisto.record('result', r.fields if isinstance(r, CommandResults) else r)


def return_error(message, error='', outputs=None):
    demisto.record('error', message)
    sys.exit(0)
