#include "methods.hpp"

#include <algorithm>

namespace shell {

const std::vector<method_info>& method_table() {
    static const std::vector<method_info> table = [] {
        std::vector<method_info> t;
        add_session_methods(t);
        add_folder_methods(t);
        add_message_methods(t);
        add_flag_methods(t);
        add_admin_methods(t);
        add_idle_methods(t);
        add_lease_methods(t);
        add_condstore_methods(t);
        std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        return t;
    }();
    return table;
}

const method_info* find_method(std::string_view name) {
    const auto& t = method_table();
    auto it = std::lower_bound(t.begin(), t.end(), name, [](const auto& m, std::string_view n) { return m.name < n; });
    return it != t.end() && it->name == name ? &*it : nullptr;
}

}  // namespace shell
