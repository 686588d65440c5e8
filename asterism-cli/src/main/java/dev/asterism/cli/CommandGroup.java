package dev.asterism.cli;

/** A command that only groups subcommands ({@code asterism vm}); run alone, it says which ones there are. */
abstract class CommandGroup extends ApiCommand implements Runnable {

    @Override
    public final void run() {
        throw Usage.missingSubcommand(spec);
    }
}
