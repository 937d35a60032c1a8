#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the text seeds of corpus/ (protocol, event-args, position, server,
# cli) from messages the unit tests use (tests/server/test-protocol.c,
# tests/data/test-event*.c, tests/server/test-*.c, tests/data/test-cli.py).
# The binary seeds of corpus/text come from the fuzz-text target itself
# (see docs/fuzzing.md). Files are named after a hash of their content, as
# libFuzzer names what it finds, so running this again adds nothing twice.
import hashlib
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
CID = "0123456789abcdef0123456789abcdef"
UUID = "0190c2d8-6f1e-7a3b-8c4d-123456789abc"
UUID2 = "0190c2d8-6f1e-7a3b-8c4d-123456789abd"


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(here, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def ev(args, seq, name="todo.created"):
    return ('{"name":"%s","version":1,"args":%s,"client_id":"%s","client_seq":%s,'
            '"created_at":1764000000000}' % (name, args, CID, seq))


def sev(args, seq, device=None):
    dev = ',"device":"%s"' % device if device else ""
    return ('{"name":"todo.created","version":1,"args":%s,"client_id":"%s","client_seq":%s,'
            '"created_at":1,"seq":%s%s}' % (args, CID, seq, seq, dev))


def pull(events, head, more):
    return '{"events":[%s],"head":%s,"history_id":"%s","more":%s}' % (events, head, CID, more)


def protocol():
    # test-protocol.c: push bodies the fast path takes and ones it declines,
    # pull answers, live messages, the other requests and replies.
    seeds = [
        '{"events":[' + ev('{"todo_id":"t1","title":"Item 1"}', "1") + ']}',
        '{"events":[' + ev("{}", "7") + "," + ev('{"a":[]}', "8") + "," + ev('{"a":[1,-2,0,true,false,null,"x"]}', "9") + "]}",
        ' { "events" : [ ' + ev('{"nested":{"deep":{"list":[{},[],{"k":"v"}]}}}', "1") + " ] } \n",
        '{"events":[' + ev('{"title": "spaced"}', "1") + "]}",
        '{"events":[' + ev('{"title":"tab\\tescaped"}', "1") + "]}",
        '{"events":[' + ev('{"title":"caf\u00e9"}', "1") + "]}",
        '{"events":[' + ev('{"x":1,"x":2}', "1") + "]}",
        '{"events":[' + ev('{"x":1}', "1") + "," + ev('{"x":1}', "3") + "]}",
        '{"type":"push","id":"p1","events":[' + ev("{}", "1") + "]}",
        pull(sev('{"t":"x"}', "1"), "1", "false"),
        pull("", "0", "false"),
        pull(sev("{}", "1") + "," + sev('{"a":[1,-2,true,null,{}]}', "2"), "9", "true"),
        pull(sev('{"t":"caf\u00e9 \\u00e9 \\/ \\" \\\\ \\b\\f\\n\\r\\t \\u0001 \x1f"}', "1"), "1", "false"),
        pull(sev('{"t":"\\ud83d\\ude00"}', "1", "Zo\u00eb"), "1", "false"),
        pull(sev('{"t": "spaced"}', "1"), "1", "false"),
        '{"type":"events","events":[' + sev('{"t":"x"}', "4", "laptop") + '],"head":4}',
        '{"type":"hello","head":7,"history_id":"%s"}' % CID,
        '{"type":"ack","id":"p1","results":[{"client_id":"%s","client_seq":1,"seq":3}],"head":3,"history_id":"%s"}' % (CID, CID),
        '{"type":"error","id":null,"error":{"code":"client_seq_gap","message":"gap","client_id":"%s","expected":4}}' % CID,
        '{"results":[{"client_id":"%s","client_seq":1,"seq":3}],"head":3,"history_id":"%s"}' % (CID, CID),
        '{"error":{"code":"rate_limited","message":"slow down","retry_after":30}}',
        '{"username":"alice","password":"secret","device":"laptop"}',
        '{"token":"abc","user":"alice","device":"laptop","session_id":"%s"}' % UUID,
        '{"sessions":[{"id":"%s","device":"laptop","created_at":1,"last_used_at":2,"current":true}]}' % UUID,
        '{"workspaces":[{"id":"%s","name":"Home","owner":"alice","personal":true}]}' % UUID,
        '{"id":"%s","name":"Home","owner":"alice","personal":false}' % UUID,
        '{"name":"Shared"}',
        '{"members":[{"username":"alice","role":"owner"},{"username":"bob","role":"member"}]}',
        '{"username":"bob"}',
        '{"a":"\\ud800"}',
        '{"a":1}x',
        "[1,2]",
        "",
    ]
    for s in seeds:
        write("protocol", s)


# data/cairn-event.c's catalogue, in its order (the first byte of an
# event-args seed is the row).
CATALOGUE = [
    ("list.created", ["list_id", "title", "position"]),
    ("list.renamed", ["list_id", "title"]),
    ("list.moved", ["list_id", "position"]),
    ("list.deleted", ["list_id"]),
    ("list.restored", ["list_id"]),
    ("todo.created", ["todo_id", "list_id", "title", "position"]),
    ("todo.renamed", ["todo_id", "title"]),
    ("todo.completed", ["todo_id"]),
    ("todo.reopened", ["todo_id"]),
    ("todo.due_set", ["todo_id", "due"]),
    ("todo.due_cleared", ["todo_id"]),
    ("todo.moved", ["todo_id", "list_id", "position"]),
    ("todo.deleted", ["todo_id"]),
    ("todo.restored", ["todo_id"]),
    ("note.created", ["note_id", "title"]),
    ("note.renamed", ["note_id", "title"]),
    ("note.deleted", ["note_id"]),
    ("note.restored", ["note_id"]),
    ("note.edited", ["note_id", "ops"]),
]

# base64 of the text ops of inserting "hi" (tests/data/test-event-args.c).
OPS_B64 = "AQEBI0VniavN7wEjRWeJq83vAQEAAAJoaQ=="


def field_value(field, title):
    if field.endswith("_id"):
        return "01890a5d-ac96-774b-bcce-b302099a8057"
    return {"title": title, "position": "VV1z", "due": "2024-02-29", "ops": OPS_B64}[field]


def event_args():
    import json
    titles = ["Buy milk", "Crème brûlée ☕ 漢字 😀", 'say "hi"', "back\\slash",
              "tab\there", " padded ", ""]
    for row, (name, fields) in enumerate(CATALOGUE):
        for title in titles[: 2 if row else len(titles)]:
            args = {f: field_value(f, title) for f in fields}
            text = json.dumps(args, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            write("event-args", bytes([row]) + text.encode())
        # missing, extra and wrongly typed fields; an unknown version
        write("event-args", bytes([row]) + b"{}")
        write("event-args", bytes([row | 0x80]) + b'{"x":1}')
        write("event-args", bytes([row]) + ('{"%s":1,"extra":null}' % fields[0]).encode())
    # tests/data/test-event-args.c: values, escapes, bad input
    for text in ['{"n":0,"m":-1,"k":123456789012345678,"j":-123456789012345678}',
                 '{"t":true,"f":false,"z":null}', '{"n":1234567890123456789}',
                 '{"n":01}', '{"n":-0}', '{"n":1.5}', '{"a":{}}', '{"a":[1]}',
                 '{"a":"q\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f"}',
                 '{"a":"\\u00e9\\u00E9\\u20ac\\u007f\\u0001\\uffff"}',
                 '{"a":"\\ud83d\\ude00"}', '{"a":"\\udc00"}', '{"a":"\\x41"}',
                 '{"a":"b","a":"c"}', '{"a":"\xc3\x28"}', '{ "a":"b"}', '{"":"b"}']:
        write("event-args", bytes([0]) + text.encode("utf-8", "surrogateescape"))


def position():
    # tests/data/test-position.c: old keys and edges
    keys = ["V", "k", "Vabc", "z", "zz", "zzzzzzzzzzzzzzzzzzzz1xy", "1", "11y", "1111111111y",
            "0V", "01", "00000000001", "0z", "W1", "X", "zzzzzy", "yzzzz", "zzzzz1", "000001",
            "Uzzzz1", "V0001", "A0", "a b"]
    pairs = [("A", "B"), ("A", "A1"), ("Az", "B"), ("zzzz", ""), ("", "1"), ("", "01"),
             ("1", "11"), ("V", "Vz"), ("0001", "0002"), ("", ""), ("B", "A"),
             ("z" * 1020 + "y", ""), ("", "0" * 1020 + "1"), ("V" + "0" * 1000 + "1", "V" + "0" * 1000 + "2")]
    for k in keys:
        pairs += [(k, ""), ("", k)]
    for i, (a, b) in enumerate(pairs):
        write("position", bytes([i & 0xff]) + ("%s\n%s" % (a, b)).encode())


def server():
    # tests/server/test-server.c and test-bad-requests.c: every endpoint,
    # good and bad. $TOKEN … are replaced by fuzz-server.c.
    auth = "Authorization: Bearer $TOKEN\n"
    js = "Content-Type: application/json\n"
    push = '{"events":[' + ev('{"todo_id":"t1","title":"Item 1"}', "1") + "," + ev('{"a":[1,true,null,"x"]}', "2") + "]}"
    seeds = [
        "GET /v1/health\n\n",
        "HEAD /v1/health\n\n",
        "PUT /v1/health\n\n",
        "GET /nope\n\n",
        "POST /v1/session\n" + js + '\n{"username":"alice","password":"alice-password","device":"desk"}',
        "POST /v1/session\n" + js + '\n{"username":"alice","password":"wrong","device":"desk"}',
        "POST /v1/session\n" + js + '\n{"username":"nobody","password":"x","device":"desk"}',
        "POST /v1/session\n" + js + "\n[1,2]",
        "DELETE /v1/session\n" + auth + "\n",
        "GET /v1/sessions\n" + auth + "\n",
        "DELETE /v1/sessions/" + UUID + "\n" + auth + "\n",
        "GET /v1/workspaces\n" + auth + "\n",
        "GET /v1/workspaces\nAuthorization: Bearer nonsense\n\n",
        "GET /v1/workspaces\n\n",
        "POST /v1/workspaces\n" + auth + js + '\n{"name":"Groceries"}',
        "POST /v1/workspaces/$WS/events\n" + auth + js + "\n" + push + "\n@@\nGET /v1/workspaces/$WS/events?after=0\n" + auth + "\n",
        "POST /v1/workspaces/$SHARED/events\nAuthorization: Bearer $TOKEN2\n" + js + "\n" + push
        + "\n@@\nGET /v1/workspaces/$SHARED/events?after=1&limit=1\n" + auth + "\n",
        "POST /v1/workspaces/$WS/events\n" + auth + js + '\n{"events":[' + ev("{}", "3") + "]}",
        "POST /v1/workspaces/$WS/events\n" + auth + js + '\n{"events":[' + ev('{"t": "spaced \\u00e9"}', "1") + "]}"
        + "\n@@\nGET /v1/workspaces/$WS/events\n" + auth + "\n",
        "POST /v1/workspaces/$WS/events\nAuthorization: Bearer $TOKEN2\n" + js + "\n" + push,
        "GET /v1/workspaces/$WS/events?after=-1\n" + auth + "\n",
        "GET /v1/workspaces/$WS/events?limit=0\n" + auth + "\n",
        "GET /v1/workspaces/$WS/events?after=1%00\n" + auth + "\n",
        "PATCH /v1/workspaces/$WS/events\n" + auth + "\n",
        "GET /v1/workspaces/not-a-uuid/events\n" + auth + "\n",
        "GET /v1/workspaces/$SHARED/members\nAuthorization: Bearer $TOKEN2\n\n",
        "POST /v1/workspaces/$SHARED/members\n" + auth + js + '\n{"username":"bob"}',
        "POST /v1/workspaces/$SHARED/members\nAuthorization: Bearer $TOKEN2\n" + js + '\n{"username":"alice"}',
        "DELETE /v1/workspaces/$SHARED/members/bob\n" + auth + "\n@@\nGET /v1/workspaces/$SHARED/events\nAuthorization: Bearer $TOKEN2\n\n",
        "DELETE /v1/workspaces/$SHARED/members/alice\n" + auth + "\n",
        "GET /v1/workspaces/$WS/live?after=0\n" + auth + "\n",
        "GET /v1/workspaces/$WS/live\n" + auth + "Upgrade: websocket\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n",
        "GET /v1/workspaces/$WS/nope\n" + auth + "\n",
        "GET /v1//workspaces\n" + auth + "\n",
    ]
    for s in seeds:
        write("server", s)


def cli():
    # tests/data/test-cli.py and tests/text/test-cli-text.py: every data and
    # text command, with $ID (a list) and $LAST (what the command before
    # printed). Arguments end with NUL; an empty one ends a command line.
    lines = [
        [["help"]], [["--help"]], [["help", "move"]], [["help", "nope"]], [[]], [["--json"]],
        [["--profile"]], [["--profile="]], [["--profile", "x", "lists"]], [["nope"]],
        [["lists"]], [["--json", "lists"]], [["list-add", "Work"], ["list-rename", "$LAST", "Job"]],
        [["list-add", ""]], [["list-add", " padded "]], [["list-rm", "$ID"], ["list-restore", "$ID"]],
        [["add", "$ID", "Milk"], ["done", "$LAST"], ["todos", "--all"]],
        [["add", "$ID", "Milk"], ["due", "$LAST", "2024-02-29"], ["due", "$LAST", "--clear"]],
        [["add", "$ID", "Milk"], ["due", "$LAST", "2023-02-29"]],
        [["add", "$ID", "A"], ["move", "$LAST", "--before", "$LAST"]],
        [["add", "$ID", "A"], ["move", "$LAST", "--list", "$ID", "--after", "$LAST"]],
        [["add", "$ID", "A"], ["rename", "$LAST", "B"], ["rm", "$LAST"], ["restore", "$LAST"]],
        [["todos", "$ID", "--all", "--"]], [["todos", "--", "--all"]], [["todos", "--all=1"]],
        [["note-add", "Ideas"], ["note-insert", "$LAST", "0", "Hello"], ["note-show", "$LAST"]],
        [["note-add", "Ideas"], ["note-insert", "$LAST", "99", "x"]],
        [["note-add", "Ideas"], ["note-delete", "$LAST", "0", "-1"]],
        [["note-add", "N"], ["note-rename", "$LAST", "M"], ["note-rm", "$LAST"], ["notes"]],
        [["log"]], [["state"]], [["rebuild"]], [["--json", "state"]],
        [["login", "http://localhost:1", "alice"]], [["status"]],
    ]
    for cmds in lines:
        data = b"".join(b"".join(a.encode() + b"\0" for a in cmd) + b"\0" for cmd in cmds)
        write("cli", data)


def known():
    # The classes of issue 11 that base/cairn-json-guard.c now refuses
    # before json-glib: deep nesting (200 levels here; about 80,000 crashed
    # json-glib 1.6), a NUL escape, numbers json-glib re-writes as text that
    # is not JSON.
    deep = "[" * 200 + "]" * 200
    push = lambda args: '{"events":[' + ev(args, "1") + "]}"
    for body in [push('{"x":1e400}'), push('{"x":1e20}'), push('{"x":99999999999999999999}'),
                 push('{"t":"a\\u0000b"}'), push('{"x":' + deep + "}"), '{"username":' + deep + "}"]:
        write("protocol", body)
    auth = "Authorization: Bearer $TOKEN\n"
    for body in [push('{"x":1e400}'), push('{"t":"a\\u0000b"}')]:
        write("server", "POST /v1/workspaces/$WS/events\n" + auth + "\n" + body
              + "\n@@\nGET /v1/workspaces/$WS/events\n" + auth + "\n")
    write("server", "POST /v1/session\n\n" + deep)
    write("server", 'POST /v1/session\n\n{"username":"alice","password":"alice-password\\u0000x","device":"d"}')
    for args in ['{"list_id":"01890a5d-ac96-774b-bcce-b302099a8057","x":1e400}',
                 '{"list_id":"01890a5d-ac96-774b-bcce-b302099a8057\\u0000"}', '{"a":' + deep + "}"]:
        write("event-args", bytes([3]) + args.encode())


def main():
    targets = sys.argv[1:] or ["protocol", "event-args", "position", "server", "cli", "known"]
    for t in targets:
        globals()[t.replace("-", "_")]()


if __name__ == "__main__":
    main()
