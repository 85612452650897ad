// Every route handler, by the file it lives in. Each adapts one request to the component that
// does the work and turns the answer into the reply; routes.cpp says which URL reaches which.
#pragma once

#include "handlers/routes.h"

namespace triggerd::handlers {

// health_handlers.cpp
void health(const Call& c);
void readiness(const Call& c);
void metrics(const Call& c);

// webhook_handler.cpp
void githubWebhook(const Call& c);
void gitlabWebhook(const Call& c);

// trigger_handlers.cpp
void createTrigger(const Call& c);
void listTriggers(const Call& c);
void getTrigger(const Call& c);
void patchTrigger(const Call& c);
void deleteTrigger(const Call& c);
void repairHook(const Call& c);
void previewTags(const Call& c);
void checkHook(const Call& c);

// hook_handlers.cpp
void startUserHookJob(const Call& c);
void getUserHookJob(const Call& c);
void startHookJob(const Call& c);
void getHookJob(const Call& c);

// source_handlers.cpp
void listSources(const Call& c);
void bindSource(const Call& c);
void unbindSource(const Call& c);
void listRepos(const Call& c);
void listBranches(const Call& c);
void listTags(const Call& c);
void authorizeGithub(const Call& c);
void completeGithub(const Call& c);
void githubOAuthCallback(const Call& c);

// console_handlers.cpp
void consoleRedirect(const Call& c);
void consolePage(const Call& c);
void consoleAsset(const Call& c);
void signIn(const Call& c);
void sessionInfo(const Call& c);
void signOut(const Call& c);

// token_handlers.cpp
void mintToken(const Call& c);
void revokeToken(const Call& c);

// admin_handlers.cpp
void checkTokens(const Call& c);
void resealKeys(const Call& c);

// run_handlers.cpp
void runTrigger(const Call& c);
void triggerHistory(const Call& c);

// job_handlers.cpp
void listJobs(const Call& c);
void getJob(const Call& c);
void jobLog(const Call& c);
void queueStats(const Call& c);
void listDeadJobs(const Call& c);
void retryDeadJob(const Call& c);
void purgeDeadJobs(const Call& c);

// runner_handlers.cpp
void jobCredentials(const Call& c);
void mintRunnerToken(const Call& c);
void listRunnerTokens(const Call& c);
void revokeRunnerToken(const Call& c);

// reply.cpp: sends an ApiReply (JSON, or the content type its headers name).
void reply(const RequestPtr& ctx, ApiReply r);
ApiDone replier(const RequestPtr& ctx);

}  // namespace triggerd::handlers
