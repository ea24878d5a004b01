// The CLI's subcommands, one file each (src/cli/<name>_command.cpp). Each add_* function registers
// its subcommand, options and callback on the app; main.cpp only calls them and dispatches.
// Callbacks throw kinepose::Error for bad input; main prints it on one line and exits with 1.
#pragma once

namespace CLI {
class App;
}

namespace kinepose::cli {

void add_info_command(CLI::App& app);     // info_command.cpp
void add_convert_command(CLI::App& app);  // convert_command.cpp
void add_demo_command(CLI::App& app);     // demo_command.cpp
void add_eval_command(CLI::App& app);     // eval_command.cpp
void add_smooth_command(CLI::App& app);   // smooth_command.cpp
void add_refine_command(CLI::App& app);   // refine_command.cpp
void add_lift_command(CLI::App& app);     // lift_command.cpp
void add_bench_command(CLI::App& app);    // bench_command.cpp
void add_train_command(CLI::App& app);    // train_command.cpp
void add_dataset_command(CLI::App& app);  // dataset_command.cpp
void add_model_command(CLI::App& app);    // model_command.cpp

}  // namespace kinepose::cli
