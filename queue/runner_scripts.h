// The script runners run to start a job (docs/runner-protocol.md shows it verbatim; a test keeps
// the two identical). triggerd never runs it: it is here so that the tests exercise exactly the
// text runners are told to use.
//
// EVAL <script> 1 <prefix>job:<id> <runner name> <the job's attempt>
// Returns "running" when the runner may build: the record now says running, with the runner
// and started_at (Redis server time). Anything else means "do not build": "superseded" or
// "canceled" (report canceled, acknowledge, delete), "moved" (the job was taken back and queued
// as another attempt: acknowledge and delete the entry, report nothing), "missing" (the record
// expired) or a final state.
#pragma once

namespace triggerd {

inline constexpr const char* kRunnerStartScript =
    R"lua(local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state == 'superseded' or state == 'canceled' then return state end
if redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[2] then return 'moved' end
if state ~= 'queued' and state ~= 'running' then return state end
local now = redis.call('TIME')
redis.call('HSET', KEYS[1], 'state', 'running', 'runner', ARGV[1], 'started_at', now[1])
return 'running'
)lua";

}  // namespace triggerd
