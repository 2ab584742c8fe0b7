package dev.lopper.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code lopper <command> ...}. Commands only wire engine pieces together and print. */
@Command(name = "lopper",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Pure-Java inference for pruned LLaMA-family GGUF models.",
        subcommands = {
                ChatCommand.class,
                GenerateCommand.class,
                InspectCommand.class,
                LogitsCommand.class,
                PerplexityCommand.class,
                LayerImportanceCommand.class,
                PruneCommand.class,
                TokenizeCommand.class,
                SynthCommand.class,
                QuantizeCommand.class,
                ConvertCommand.class,
                CacheCommand.class,
                BenchCommand.class,
                TemplateCommand.class,
                ServeCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (0 success, 1 failure, 2 bad arguments). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new ErrorReporter());
        cli.setParameterExceptionHandler(ErrorReporter::badArguments);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli.execute(args);
    }
}
