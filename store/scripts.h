// The Lua scripts the stores send with EVAL, named so that a Redis stand-in in tests can
// recognise each one by its text. Defined next to the code that sends them.
#pragma once

namespace triggerd {

// sealed_records.cpp
extern const char* const kCreateScript;         // SET NX the record, SADD it to its indexes
extern const char* const kRemoveScript;         // DEL the record, SREM it from its indexes
extern const char* const kCompareAndSetScript;  // SET only over the expected text

// api_token_store.cpp
extern const char* const kMintScript;    // SET the token record, HSET the user's id -> hash
extern const char* const kRevokeScript;  // HGET the hash by id, DEL the record, HDEL the id

// lease.cpp
extern const char* const kLeaseAcquireScript;  // SET PX a free lease, or PEXPIRE one's own
extern const char* const kLeaseRenewScript;    // PEXPIRE only one's own lease
extern const char* const kLeaseReleaseScript;  // DEL only one's own lease

}  // namespace triggerd
