#include "redis/redis_setup.h"

#include "redis/cluster_client.h"
#include "redis/hiredis_client.h"
#include "redis/sentinel_client.h"

namespace triggerd {

std::unique_ptr<RedisBackend> makeRedisBackend(EventLoop& loop, const RedisSetup& setup) {
  HiredisClient::Options o;
  o.address = setup.address;
  o.password = setup.password;
  o.connect_timeout = setup.connect_timeout;
  o.command_timeout = setup.command_timeout;
  o.reconnect_min = setup.reconnect_min;
  o.reconnect_max = setup.reconnect_max;
  if (!setup.sentinels.empty()) {
    SentinelClient::Options so;
    so.sentinels = setup.sentinels;
    so.master_name = setup.master_name;
    so.sentinel_password = setup.sentinel_password;
    so.primary = std::move(o);
    so.check_interval = setup.check_interval;
    return std::make_unique<SentinelClient>(loop, std::move(so));
  }
  if (!setup.cluster_nodes.empty()) {
    ClusterClient::Options co;
    co.seeds = setup.cluster_nodes;
    co.home_key = setup.home_key;
    co.node = std::move(o);
    co.check_interval = setup.check_interval;
    return std::make_unique<ClusterClient>(loop, std::move(co));
  }
  return std::make_unique<HiredisClient>(loop, std::move(o));
}

}  // namespace triggerd
