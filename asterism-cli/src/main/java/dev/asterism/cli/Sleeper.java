package dev.asterism.cli;

import java.time.Duration;

/** Waits between two polls; injected so that tests of {@code --wait} run without waiting in real time. */
@FunctionalInterface
public interface Sleeper {

    void sleep(Duration duration) throws InterruptedException;
}
