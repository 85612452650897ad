// What the delivery parser tests expect of a Result<Delivery>.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>

#include "tests/unit/webhook/fixtures.h"
#include "webhook/push_event.h"

namespace triggerd::webhook_test {

// The parse failed with a 400 naming `field`.
inline void expectBadField(const Result<Delivery>& r, const std::string& field) {
  ASSERT_FALSE(r.ok()) << "expected a 400 about " << field;
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().field, field) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

// The delivery was understood and is ignored, for `reason`.
inline void expectIgnored(const Result<Delivery>& r, const std::string& reason) {
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, DeliveryKind::kIgnored);
  EXPECT_EQ(r->ignored_reason, reason);
}

// A field a payload must carry, by JSON pointer, and the name a 400 gives it.
struct RequiredField {
  const char* pointer;
  const char* field;
};

// `payload` without any one of `fields` fails `parse` with a 400 naming that field.
inline void expectEachRequired(const std::function<Result<Delivery>(const std::string&)>& parse,
                               const std::string& payload,
                               std::initializer_list<RequiredField> fields) {
  for (const auto& f : fields) {
    SCOPED_TRACE(f.pointer);
    expectBadField(parse(without(payload, f.pointer)), f.field);
  }
}

// The push is of `ref`, a branch or tag whose short name is `name`.
inline void expectRef(const PushEvent& p, const std::string& ref, RefType type,
                      const std::string& name) {
  EXPECT_EQ(p.ref, ref);
  EXPECT_EQ(p.ref_type, type);
  EXPECT_EQ(p.ref_name, name);
}

}  // namespace triggerd::webhook_test
