#include "loops.hpp"

#include "dispatch.hpp"
#include "line_editor.hpp"
#include "line_parser.hpp"
#include "pretty.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include <cctype>
#include <iostream>
#include <memory>
#include <string>

#include <unistd.h>

namespace shell {

namespace {

std::string trimmed(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

bool ends_session(const json::value& call) {
    const auto* a = call.if_array();
    if (!a || a->empty() || !(*a)[0].is_string()) return false;
    const auto& name = (*a)[0].get_string();
    return name == "logout" || name == "shutdown";
}

std::string method_name(const json::value& call) {
    const auto* a = call.if_array();
    if (!a || a->empty() || !(*a)[0].is_string()) return {};
    return std::string((*a)[0].get_string());
}

void print_help(const std::string& which) {
    const auto& table = method_table();
    if (!which.empty()) {
        if (const auto* m = find_method(which)) {
            std::cout << m->name << m->signature << "\n    " << m->help << "\n";
        } else {
            std::cout << "no method '" << which << "'\n";
        }
        return;
    }
    std::cout << "Call a method with words or a JSON array:\n"
                 "    select_folder INBOX readonly=true\n"
                 "    fetch 1:* [\"FLAGS\",\"ENVELOPE\"]\n"
                 "    [\"search\", [\"NOT\", \"DELETED\"]]\n"
                 "help METHOD shows one method; quit (or end of input) leaves.\n\n";
    for (const auto& m : table) std::cout << "  " << m.name << m.signature << "\n";
}

}  // namespace

int run_script(std::istream& in, std::FILE* out, boost::asio::io_context& io, session& s, bool& logged_out) {
    std::string line;
    bool lost = false;
    while (std::getline(in, line)) {
        const std::string t = trimmed(line);
        if (t.empty() || t[0] == '#') continue;
        outcome result;
        boost::system::error_code ec;
        json::value call = json::parse(t, ec);
        bool ends = false;
        if (ec) {
            result.line = {{"ok", false},
                           {"error", json::object{{"type", "invalid_argument"}, {"message", "bad JSON: " + ec.message()}}}};
        } else {
            ends = ends_session(call);
            result = run_call(io, s, std::move(call));
        }
        if (ends && result.line.at("ok").as_bool()) logged_out = true;
        if (result.aborted && !logged_out) lost = true;
        const std::string text = json::serialize(result.line) + "\n";
        std::fwrite(text.data(), 1, text.size(), out);
        std::fflush(out);
    }
    return lost ? 3 : 0;
}

int run_interactive(std::istream& in, boost::asio::io_context& io, session& s, bool& logged_out) {
    const bool tty = ::isatty(0);
    // On a terminal: line editing, history and completion. Otherwise (pipes,
    // the tests) plain lines, as ever.
    std::unique_ptr<line_editor> editor;
    if (tty && &in == &std::cin && line_editor::wanted()) editor = std::make_unique<line_editor>(io, s);
    std::string line;
    while (true) {
        if (editor) {
            auto got = editor->read_line("imap> ");
            if (!got) break;
            line = std::move(*got);
        } else {
            if (tty) std::cout << "imap> " << std::flush;
            if (!std::getline(in, line)) break;
        }
        const std::string t = trimmed(line);
        if (t.empty() || t[0] == '#') continue;
        if (t == "quit" || t == "exit") break;
        if (t == "help" || t.rfind("help ", 0) == 0) {
            print_help(trimmed(t.substr(4)));
            continue;
        }
        outcome result;
        std::string method;  // for the editor's folder list
        try {
            json::value call = parse_line(t);
            const bool ends = ends_session(call);
            if (editor) method = method_name(call);
            result = run_call(io, s, std::move(call));
            if (ends && result.line.at("ok").as_bool()) logged_out = true;
        } catch (const std::exception& e) {
            result.line = {{"ok", false}, {"error", json::object{{"type", "invalid_argument"}, {"message", e.what()}}}};
        }
        if (editor && !method.empty()) {
            const bool ok = result.line.at("ok").as_bool();
            const auto* type = ok ? nullptr : result.line.at("error").as_object().if_contains("type");
            editor->after_call(method, ok, type && type->is_string() ? std::string_view(type->get_string()) : "");
        }
        if (result.line.at("ok").as_bool()) {
            std::cout << pretty(result.line.at("result")) << std::endl;
        } else {
            const auto& err = result.line.at("error").as_object();
            std::cout << "error (" << json::value_to<std::string>(err.at("type"))
                      << "): " << (err.at("message").is_string() ? json::value_to<std::string>(err.at("message"))
                                                                 : json::serialize(err.at("message")))
                      << std::endl;
        }
    }
    return 0;
}

}  // namespace shell
