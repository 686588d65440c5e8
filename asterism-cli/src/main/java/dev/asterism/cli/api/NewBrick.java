package dev.asterism.cli.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The body of {@code POST /bricks}; the server derives the OS family from the image. */
public record NewBrick(String name, String image, String profile, List<Capability> capabilities) {

    public NewBrick {
        requireNonNull(name, "name is null");
        requireNonNull(image, "image is null");
        requireNonNull(profile, "profile is null");
        capabilities = List.copyOf(capabilities);
    }
}
