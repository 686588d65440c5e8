package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AuthenticationTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void a_browser_session_is_an_http_only_same_site_cookie_and_changes_need_the_csrf_token() {
        server.user("sam", "user");
        Api.Response login = Api.anonymous(server.url()).post("/auth/login",
                Map.of("username", "sam", "password", "sam-password")).expect(200);
        String cookie = login.header("Set-Cookie");
        assertThat(cookie).startsWith("asterism_session=").contains("HttpOnly").contains("SameSite=Strict")
                .contains("Path=/");
        String session = cookie.substring(0, cookie.indexOf(';'));
        String csrf = login.json().get("csrfToken").asText();
        Api anonymous = Api.anonymous(server.url());

        assertThat(anonymous.send("GET", "/auth/whoami", null, Map.of("Cookie", session)).expect(200)
                .json().get("username").asText()).isEqualTo("sam");
        Api.Response withoutToken = anonymous.send("POST", "/auth/logout", null, Map.of("Cookie", session));
        assertThat(withoutToken.status()).isEqualTo(403);
        assertThat(withoutToken.error()).isEqualTo("CSRF_TOKEN_INVALID");
        anonymous.send("POST", "/auth/logout", null, Map.of("Cookie", session, "X-CSRF-Token", "wrong")).expect(403);

        Api.Response logout = anonymous.send("POST", "/auth/logout", null,
                Map.of("Cookie", session, "X-CSRF-Token", csrf)).expect(204);
        assertThat(logout.header("Set-Cookie")).contains("Max-Age=0");
        anonymous.send("GET", "/auth/whoami", null, Map.of("Cookie", session)).expect(401);
    }

    @Test
    void api_tokens_are_listed_without_their_secret_and_stop_working_once_revoked() {
        server.user("tia", "user");
        Api first = Api.login(server.url(), "tia", "tia-password");
        var created = Api.anonymous(server.url()).post("/auth/tokens",
                Map.of("username", "tia", "password", "tia-password", "name", "laptop")).expect(201).json();
        Api second = new Api(server.url(), created.get("token").asText());
        second.get("/auth/whoami").expect(200);
        var tokens = first.get("/tokens").expect(200).json();
        assertThat(tokens.findValuesAsText("name")).contains("laptop");
        assertThat(tokens.toString()).doesNotContain(first.token).doesNotContain(second.token);

        first.delete("/tokens/" + created.get("id").asText()).expect(204);
        assertThat(first.get("/tokens").expect(200).json().findValuesAsText("name")).doesNotContain("laptop");
        assertThat(second.get("/auth/whoami").status()).isEqualTo(401);
        first.get("/auth/whoami").expect(200);
        new Api(server.url(), "ast_not-a-real-token").get("/auth/whoami").expect(401);
        new Api(server.url(), null).send("GET", "/auth/whoami", null, Map.of("Authorization", "Basic abc")).expect(401);
    }

    @Test
    void another_users_token_cannot_be_revoked() {
        server.user("uma", "user");
        server.user("vic", "user");
        Api uma = Api.login(server.url(), "uma", "uma-password");
        Api vic = Api.login(server.url(), "vic", "vic-password");
        String umaToken = uma.get("/tokens").expect(200).json().get(0).get("id").asText();
        vic.delete("/tokens/" + umaToken).expect(404);
        uma.get("/auth/whoami").expect(200);
    }

    @Test
    void five_wrong_passwords_lock_the_user_name_with_retry_after() {
        server.user("wes", "user");
        Api anonymous = Api.anonymous(server.url());
        for (int attempt = 0; attempt < 5; attempt++) {
            Api.Response wrong = anonymous.post("/auth/tokens", Map.of("username", "wes", "password", "wrong-" + attempt));
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.json().get("message").asText()).isEqualTo("wrong user name or password");
        }
        Api.Response locked = anonymous.post("/auth/tokens", Map.of("username", "wes", "password", "wes-password"));
        assertThat(locked.status()).isEqualTo(429);
        assertThat(locked.error()).isEqualTo("TOO_MANY_REQUESTS");
        assertThat(locked.header("Retry-After")).isNotNull();
        assertThat(locked.json().get("details").get("retryAfterSeconds").asLong()).isPositive();
    }

    @Test
    void an_unknown_user_gets_the_same_answer_as_a_wrong_password() {
        Api.Response unknown = Api.anonymous(server.url()).post("/auth/tokens",
                Map.of("username", "nobody-here", "password", "whatever-pass"));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.json().get("message").asText()).isEqualTo("wrong user name or password");
    }
}
