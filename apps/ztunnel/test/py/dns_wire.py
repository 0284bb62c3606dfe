#!/usr/bin/env python3
"""A DNS peer we did not write (dnspython) for the codec tests: builds queries and reads our responses.

Reads a JSON list of cases on stdin and prints a JSON list of results, one per case, in order:
  {"op": "query", "name", "type", "id", "edns": bool, "payload": int, "do": bool, "rd": bool, "cd": bool,
   "answers": [[owner, ttl, type, rdata]], "authority": [...], "additional": [...]}  -> {"hex"}
  {"op": "parse", "hex", "query": hex or absent}  -> what dnspython reads ("error" when it rejects the message),
   plus "is_response" when a query is given (dnspython's own check that the reply matches the query).
"""
import json
import sys

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


def build_query(case):
    msg = dns.message.make_query(
        case["name"],
        case.get("type", "A"),
        use_edns=0 if case.get("edns") or case.get("do") else False,
        payload=case.get("payload"),
        want_dnssec=case.get("do", False),
        id=case.get("id"),
    )
    if not case.get("rd", True):
        msg.flags &= ~dns.flags.RD
    if case.get("cd"):
        msg.flags |= dns.flags.CD
    for section, key in ((msg.answer, "answers"), (msg.authority, "authority"), (msg.additional, "additional")):
        for owner, ttl, rtype, rdata in case.get(key, []):
            section.append(dns.rrset.from_text(owner, ttl, "IN", rtype, rdata))
    return {"hex": msg.to_wire().hex()}


def section(rrsets):
    out = []
    for rrset in rrsets:
        for rdata in rrset:
            out.append([rrset.name.to_text(), rrset.ttl, dns.rdatatype.to_text(rrset.rdtype), rdata.to_text()])
    return out


def parse(case):
    try:
        msg = dns.message.from_wire(bytes.fromhex(case["hex"]))
    except Exception as err:  # the test reads the exception's class and text
        return {"error": "%s: %s" % (type(err).__name__, err)}
    result = {
        "id": msg.id,
        "flags": sorted(dns.flags.to_text(msg.flags).split()),
        "opcode": dns.opcode.to_text(msg.opcode()),
        "rcode": dns.rcode.to_text(msg.rcode()),
        "question": [[q.name.to_text(), dns.rdatatype.to_text(q.rdtype), dns.rdataclass.to_text(q.rdclass)] for q in msg.question],
        "answer": section(msg.answer),
        "edns": msg.edns,
        "payload": msg.payload if msg.edns >= 0 else None,
        "ednsflags": sorted(dns.flags.edns_to_text(msg.ednsflags).split()) if msg.edns >= 0 else None,
        "options": len(msg.options),
    }
    if case.get("query"):
        query = dns.message.from_wire(bytes.fromhex(case["query"]))
        result["is_response"] = query.is_response(msg)
    return result


def main():
    ops = {"query": build_query, "parse": parse}
    json.dump([ops[case["op"]](case) for case in json.load(sys.stdin)], sys.stdout)


main()
