// Every operation's parameters and typed result, by topic. Each result
// carries `status`, the server's tagged reply (text and response code): on
// success for the details (APPENDUID, the LOGIN text), on failure for the
// reason.
#pragma once

#include <imapclient/ops/extensions.hpp>
#include <imapclient/ops/flags.hpp>
#include <imapclient/ops/mailboxes.hpp>
#include <imapclient/ops/messages.hpp>
#include <imapclient/ops/session.hpp>
