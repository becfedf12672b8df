"""A stand-in for XSOAR's CommonServerPython with what the idcmd script uses, built on the
standard library, so xsoar_test.go can run the script against a local test server.

The semantics follow the real module, demisto/content
Packs/Base/Scripts/CommonServerPython/CommonServerPython.py: the same names, parameter names and
defaults (no **kwargs where the real one has none, so a misspelled argument fails here as it
would in XSOAR), the entry that CommandResults.to_context() builds (Type, ContentsFormat,
Contents, HumanReadable, EntryContext keyed 'Prefix(val.Key && val.Key == obj.Key)'), how
return_results hands entries to demisto.results, and return_error's error entry (Type 4) and
sys.exit. Only what the script does not use is left out."""
import json
import sys
import urllib.error
import urllib.request

import demistomock as demisto


class EntryType(object):
    NOTE = 1
    DOWNLOAD_AGENT = 2
    FILE = 3
    ERROR = 4
    PINNED = 5
    USER_MANAGEMENT = 6
    IMAGE = 7
    PLAYGROUND_ERROR = 8
    ENTRY_INFO_FILE = 9
    VIDEO_FILE = 10
    WARNING = 11
    STATIC_VIDEO_FILE = 12
    MAP_ENTRY_TYPE = 15
    WIDGET = 17
    EXECUTION_METRICS = 19


class EntryFormat(object):
    HTML = 'html'
    TABLE = 'table'
    JSON = 'json'
    TEXT = 'text'
    DBOT_RESPONSE = 'dbotCommandResponse'
    MARKDOWN = 'markdown'

    @classmethod
    def is_valid_type(cls, _type):
        return _type in (EntryFormat.HTML, EntryFormat.TABLE, EntryFormat.JSON, EntryFormat.TEXT,
                         EntryFormat.MARKDOWN, EntryFormat.DBOT_RESPONSE)


# The deprecated dictionaries, still what return_error uses.
entryTypes = {'note': 1, 'downloadAgent': 2, 'file': 3, 'error': 4, 'pinned': 5, 'userManagement': 6,
              'image': 7, 'playgroundError': 8, 'entryInfoFile': 9, 'warning': 11, 'map': 15, 'debug': 16,
              'widget': 17}
formats = {'html': 'html', 'table': 'table', 'json': 'json', 'text': 'text', 'dbotResponse': 'dbotCommandResponse',
           'markdown': 'markdown'}

STRING_TYPES = (str, bytes)
STRING_OBJ_TYPES = (str,)
MAX_ERROR_MESSAGE_LENGTH = 50000


class DemistoException(Exception):
    def __init__(self, message, exception=None, res=None, *args):
        self.res = res
        self.message = message
        self.exception = exception
        super(DemistoException, self).__init__(message, exception, *args)

    def __str__(self):
        return str(self.message)


def urljoin(url, suffix=""):
    if url[-1:] != "/":
        url = url + "/"
    if suffix.startswith("/"):
        suffix = suffix[1:]
    return url + suffix


# No proxy from the environment: the test server is local.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# The keyword arguments requests.Session.request takes beyond those _http_request names; the
# real _http_request passes **kwargs on to it, which refuses any other.
_REQUESTS_KWARGS = {'cookies', 'allow_redirects', 'proxies', 'hooks', 'stream', 'cert'}


class _Response:
    """The part of requests.Response the script and BaseClient read."""

    def __init__(self, status_code, reason, text, headers):
        self.status_code, self.reason, self.text, self.headers = status_code, reason, text, headers
        self.content = text.encode()

    @property
    def ok(self):
        return self.status_code < 400

    def json(self):
        return json.loads(self.text)


class BaseClient(object):
    REQUESTS_TIMEOUT = 60

    def __init__(self, base_url, verify=True, proxy=False, ok_codes=tuple(), headers=None, auth=None,
                 timeout=REQUESTS_TIMEOUT):
        self._base_url = base_url
        self._verify = verify
        self._ok_codes = ok_codes
        self._headers = headers
        self._auth = auth
        self.timeout = float(timeout)
        demisto.record('client', {'base_url': base_url, 'verify': verify, 'proxy': proxy})

    def _http_request(self, method, url_suffix='', full_url=None, headers=None, auth=None, json_data=None,
                      params=None, data=None, files=None, timeout=None, resp_type='json', ok_codes=None,
                      return_empty_response=False, retries=0, status_list_to_retry=None,
                      backoff_factor=5, raise_on_redirect=False, raise_on_status=False,
                      error_handler=None, empty_valid_codes=None, params_parser=None, with_metrics=False, **kwargs):
        unknown = set(kwargs) - _REQUESTS_KWARGS
        if unknown:  # requests.Session.request would refuse them
            raise TypeError("request() got an unexpected keyword argument '{}'".format(sorted(unknown)[0]))
        address = full_url if full_url else urljoin(self._base_url, url_suffix)
        headers = headers if headers else self._headers
        if not timeout:
            timeout = self.timeout
        demisto.record('request', {'method': method, 'url_suffix': url_suffix, 'timeout': timeout,
                                   'retries': retries, 'backoff_factor': backoff_factor})
        req = urllib.request.Request(address, method=method, headers=dict(headers or {}))
        if json_data is not None:  # as requests does for json=
            req.data = json.dumps(json_data).encode()
            req.add_header('Content-Type', 'application/json')
        try:
            with _OPENER.open(req, timeout=timeout) as r:
                res = _Response(r.status, r.reason, r.read().decode(), dict(r.headers))
        except urllib.error.HTTPError as e:
            res = _Response(e.code, e.reason, e.read().decode(), dict(e.headers))
        except (urllib.error.URLError, OSError) as e:
            raise DemistoException('Verify that the server URL parameter is correct and that you have access to '
                                   'the server from your host.\n{}'.format(e), e)
        if not self._is_status_code_valid(res, ok_codes):
            if error_handler:
                error_handler(res)
            else:
                self.client_error_handler(res)
        if not empty_valid_codes:
            empty_valid_codes = [204]
        if res.status_code in empty_valid_codes and return_empty_response:
            return res
        return self.cast_response(res, resp_type)

    def cast_response(self, res, resp_type, raise_on_error=True):
        resp_type = resp_type.lower()
        try:
            if resp_type == 'json':
                return res.json()
            if resp_type == 'text':
                return res.text
            if resp_type == 'content':
                return res.content
            return res
        except ValueError as exception:
            if raise_on_error:
                raise DemistoException('Failed to parse {} object from response: {}'.format(resp_type, res.content),
                                       exception, res)

    def _is_status_code_valid(self, response, ok_codes=None):
        status_codes = ok_codes if ok_codes else self._ok_codes
        if status_codes:
            return response.status_code in status_codes
        return response.ok

    def client_error_handler(self, res):
        err_msg = 'Error in API call [{}] - {}'.format(res.status_code, res.reason)
        try:
            error_entry = res.json()
            err_msg += '\n{}'.format(json.dumps(error_entry))
            raise DemistoException(err_msg, res=res)
        except ValueError:
            err_msg += '\n{}'.format(res.text)
            raise DemistoException(err_msg, res=res)


def tableToMarkdown(name, t, headers=None, headerTransform=None, removeNull=False, metadata=None, url_keys=None,
                    date_fields=None, json_transform_mapping=None, is_auto_json_transform=False, sort_headers=True):
    """A plain version of the real table: a title and one row per object, enough to tell that
    CommandResults made a table because no readable_output was given."""
    rows = t if isinstance(t, list) else [t]
    if not headers:
        headers = sorted({k for r in rows if isinstance(r, dict) for k in r}) if sort_headers else \
            list(dict.fromkeys(k for r in rows if isinstance(r, dict) for k in r))
    md = '### {}\n'.format(name) if name else ''
    if not rows or not headers:
        return md + '**No entries.**\n'
    md += '|' + '|'.join(headers) + '|\n|' + '|'.join('---' for _ in headers) + '|\n'
    for r in rows:
        md += '|' + '|'.join(str(r.get(h, '')) if isinstance(r, dict) else str(r) for h in headers) + '|\n'
    return md


class CommandResults:
    def __init__(self, outputs_prefix=None,
                 outputs_key_field=None,
                 outputs=None,
                 indicators=None,
                 readable_output=None,
                 raw_response=None,
                 indicators_timeline=None,
                 indicator=None,
                 ignore_auto_extract=False,
                 mark_as_note=False,
                 tags=None,
                 scheduled_command=None,
                 relationships=None,
                 entry_type=None,
                 content_format=None,
                 execution_metrics=None,
                 replace_existing=False):
        if raw_response is None:
            raw_response = outputs
        if outputs is not None:
            if not isinstance(outputs, dict) and not outputs_prefix:
                raise ValueError('outputs_prefix is missing')
            if outputs_prefix == '.':
                raise ValueError('outputs_prefix cannot be a period.')
        if indicators and indicator:
            raise ValueError('indicators is DEPRECATED, use only indicator')
        if entry_type is None:
            entry_type = EntryType.NOTE
        if indicators or indicator or indicators_timeline or relationships or scheduled_command or execution_metrics:
            raise NotImplementedError('the stand-in does not model indicators, timelines, relationships, '
                                      'scheduled commands or execution metrics')

        self.entry_type = entry_type
        self.outputs_prefix = outputs_prefix
        self.outputs_key_field = outputs_key_field
        if not outputs_key_field:
            self._outputs_key_field = None
        elif isinstance(outputs_key_field, STRING_TYPES):
            self._outputs_key_field = [outputs_key_field]
        elif isinstance(outputs_key_field, list):
            self._outputs_key_field = outputs_key_field
        else:
            raise TypeError('outputs_key_field must be of type str or list')
        self.outputs = outputs
        self.raw_response = raw_response
        self.readable_output = readable_output
        self.ignore_auto_extract = ignore_auto_extract
        self.mark_as_note = mark_as_note
        self.tags = tags
        self.replace_existing = replace_existing
        if content_format is not None and not EntryFormat.is_valid_type(content_format):
            raise TypeError('content_format {} is invalid, see CommonServerPython.EntryFormat'.format(content_format))
        self.content_format = content_format

    def to_context(self):
        outputs = {}
        human_readable = self.readable_output if self.readable_output else None
        raw_response = self.raw_response

        if self.outputs is not None and self.outputs != []:
            if not self.readable_output:
                # if markdown is not provided then create table by default
                if isinstance(self.outputs, (dict, list)):
                    human_readable = tableToMarkdown('Results', self.outputs)
                else:
                    human_readable = self.outputs
            if self.outputs_prefix and self.replace_existing:
                next_token_path, _, next_token_key = self.outputs_prefix.rpartition('.')
                if not next_token_path:
                    raise DemistoException('outputs_prefix must be a nested path to replace an existing key.')
                outputs[next_token_path + '(true)'] = {next_token_key: self.outputs}
            elif self.outputs_prefix and self._outputs_key_field:
                # if both prefix and key field provided then create DT key
                formatted_outputs_key = ' && '.join(['val.{0} && val.{0} == obj.{0}'.format(key_field)
                                                     for key_field in self._outputs_key_field])
                outputs['{0}({1})'.format(self.outputs_prefix, formatted_outputs_key)] = self.outputs
            elif self.outputs_prefix:
                outputs[str(self.outputs_prefix)] = self.outputs
            else:
                outputs.update(self.outputs)

        content_format = self.content_format
        if content_format is None:
            if isinstance(raw_response, STRING_TYPES + (int,)):
                content_format = EntryFormat.TEXT
            else:
                content_format = EntryFormat.JSON

        return_entry = {
            'Type': self.entry_type,
            'ContentsFormat': content_format,
            'Contents': raw_response,
            'HumanReadable': human_readable,
            'EntryContext': outputs,
            'IndicatorTimeline': [],
            'IgnoreAutoExtract': bool(self.ignore_auto_extract),
            'Note': bool(self.mark_as_note),
            'Relationships': [],
        }
        if self.tags:
            return_entry['Tags'] = self.tags
        return return_entry


def return_results(results):
    if results is None:
        # backward compatibility reasons
        demisto.results(None)
        return
    elif results and isinstance(results, list):
        result_list = []
        for result in results:
            # Results of type dict or str are of the old results format and work with demisto.results()
            if isinstance(result, (dict, str)):
                result_list.append(result)
            else:
                # The rest are of the new format and have a corresponding function (to_context, ...)
                return_results(result)
        if result_list:
            demisto.results(result_list)
    elif isinstance(results, CommandResults):
        demisto.results(results.to_context())
    elif hasattr(results, 'to_entry'):
        demisto.results(results.to_entry())
    else:
        demisto.results(results)


def return_error(message, error='', outputs=None):
    is_command = hasattr(demisto, 'command')
    try:
        is_server_handled = is_command and demisto.command() in ('fetch-incidents', 'fetch-credentials',
                                                                 'long-running-execution', 'fetch-indicators')
    except Exception:
        is_server_handled = False
    if error:
        demisto.error(str(error))
    if not isinstance(message, str):
        message = message.encode('utf8') if hasattr(message, 'encode') else str(message)
    if is_server_handled:
        raise Exception(message)
    if len(message) > MAX_ERROR_MESSAGE_LENGTH:
        half_length = MAX_ERROR_MESSAGE_LENGTH // 2
        message = message[:half_length] + "...This error body was truncated..." + message[half_length * (-1):]
    demisto.results({
        'Type': entryTypes['error'],
        'ContentsFormat': formats['text'],
        'Contents': message,
        'EntryContext': outputs,
    })
    sys.exit(0)


def argToList(arg, separator=',', transform=None):
    if not arg:
        return []
    result = []
    if isinstance(arg, list):
        result = arg
    elif isinstance(arg, STRING_TYPES):
        is_comma_separated = True
        if arg[0] == '[' and arg[-1] == ']':
            try:
                result = json.loads(arg)
                is_comma_separated = False
            except ValueError:
                pass
        if is_comma_separated:
            result = [s.strip() for s in arg.split(separator)]
    else:
        result = [arg]
    if transform:
        return [transform(s) for s in result]
    return result


def argToBoolean(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, STRING_OBJ_TYPES):
        if value.lower() in ['true', 'yes']:
            return True
        elif value.lower() in ['false', 'no']:
            return False
        else:
            raise ValueError('Argument does not contain a valid boolean-like value')
    else:
        raise ValueError('Argument is neither a string nor a boolean')


def arg_to_number(arg, arg_name=None, required=False):
    if arg is None or arg == '':
        if required:
            raise ValueError('Missing "{}"'.format(arg_name) if arg_name else 'Missing required argument')
        return None
    if isinstance(arg, str):
        if arg.isdigit():
            return int(arg)
        try:
            return int(float(arg))
        except Exception:
            raise ValueError('Invalid number: "{}"="{}"'.format(arg_name, arg) if arg_name
                             else '"{}" is not a valid number'.format(arg))
    if isinstance(arg, int):
        return arg
    raise ValueError('Invalid number: "{}"="{}"'.format(arg_name, arg) if arg_name
                     else '"{}" is not a valid number'.format(arg))
