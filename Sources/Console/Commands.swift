import APIClient
import ArgumentParser
import Foundation
import Models
import TerminalUI

@main
struct SpendSenseConsole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spendsense",
        abstract: "The SpendSense console: review recommendations, watch analytics, manage your data.",
        subcommands: [
            TUI.self, Login.self, Logout.self, WhoAmI.self, Review.self, Analytics.self, UploadFile.self, ConsentCommand.self, AccountCommand.self,
            PasswordCommand.self, Demo.self, BenchUI.self,
        ],
        defaultSubcommand: TUI.self
    )
}

/// Options shared by every subcommand.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Server URL (env SPENDSENSE_SERVER; default: the saved one, else http://127.0.0.1:8000).")
    var server: String?

    @Option(help: "Credentials file (default ~/.config/spendsense/credentials.json).")
    var credentials: String?

    var store: CredentialsStore {
        CredentialsStore(url: credentials.map { URL(fileURLWithPath: $0) } ?? CredentialsStore.defaultURL())
    }

    /// The server to talk to: flag, environment, saved credentials, default.
    func serverURL() throws -> (String, URL) {
        let text =
            server ?? ProcessInfo.processInfo.environment["SPENDSENSE_SERVER"] ?? store.load()?.server
            ?? "http://127.0.0.1:8000"
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
            throw ValidationError("server must be an http(s) URL, got \(text)")
        }
        return (text, url)
    }

    /// A client carrying the saved tokens when they belong to `server`; refreshed tokens are saved back.
    func savedClient() async throws -> APIClient {
        let (serverText, url) = try serverURL()
        let saved = store.load()
        guard let saved, saved.server == serverText, let access = saved.accessToken, let refresh = saved.refreshToken
        else { throw ValidationError("not signed in to \(serverText); run `spendsense login` first") }
        let client = APIClient(baseURL: url, tokens: TokenStore(tokens: .init(accessToken: access, refreshToken: refresh)))
        let store = self.store
        await client.tokens.setOnChange { tokens in
            if let tokens {
                store.save(.init(server: serverText, email: saved.email, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken))
            } else {
                store.clearTokens()
            }
        }
        return client
    }
}

/// Display options for the full-screen console.
struct DisplayOptions: ParsableArguments {
    @Flag(help: "Draw with ASCII only (no box-drawing characters or symbols).") var ascii = false
    @Flag(help: "No colors (also when NO_COLOR is set).") var monochrome = false
    @Option(help: "Config file (default ~/.config/spendsense/config.toml; see config.sample).") var config: String?

    /// The config file's settings; a bad file stops with its line number.
    func loadConfig() throws -> ConsoleConfig {
        let url = config.map { URL(fileURLWithPath: $0) } ?? ConsoleConfig.defaultURL()
        if config != nil, !FileManager.default.fileExists(atPath: url.path) { throw ValidationError("no config file at \(url.path)") }
        do {
            return try ConsoleConfig.load(url)
        } catch let error as ConsoleConfig.ParseError {
            throw ValidationError("\(url.path): \(error)")
        }
    }

    func theme(_ config: ConsoleConfig) -> Theme {
        let noColor = monochrome || config.theme == "monochrome" || !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let ascii = self.ascii || config.ascii
        return noColor ? .monochrome(ascii: ascii) : .standard(ascii: ascii)
    }
}

struct TUI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui", abstract: "Open the full-screen console (the default).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var display: DisplayOptions

    func run() async throws {
        let config = try display.loadConfig()
        var global = self.global
        if global.server == nil, ProcessInfo.processInfo.environment["SPENDSENSE_SERVER"] == nil, global.store.load() == nil {
            global.server = config.server
        }
        let (serverText, _) = try global.serverURL()
        let saved = global.store.load()
        var state = AppState(server: serverText, email: saved?.email ?? "")
        state.configure(config)
        let client = try? await global.savedClient()
        if client != nil {
            state.busy = "Loading your account…"
        }
        let effects = LiveEffects(client: client, credentials: global.store)
        runConsole(state: state, effects: effects, theme: display.theme(config), initial: client != nil ? [.loadMe] : [])
    }
}

/// Takes over the terminal until the user quits.
func runConsole(state: AppState, effects: any EffectRunner, theme: Theme, initial: [Effect]) {
    let screen = NcursesScreen(monochrome: theme == .monochrome(ascii: theme.ascii))
    defer { screen.shutdown() }
    let loop = ConsoleLoop(state: state, screen: screen, runner: effects, theme: theme)
    for effect in initial { loop.perform(effect) }
    loop.run()
}

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in and save the session for later commands.",
        discussion: """
            With --email, the password comes from standard input (--password-stdin). With --provider, the console \
            prints a short link to open in any browser (this machine or your phone) and waits until you have signed in \
            there. An account with an authenticator is asked for its code on the terminal.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Account email.") var email: String?
    @Flag(help: "Read the password from standard input.") var passwordStdin = false
    @Option(help: "Sign in with google, github, facebook or apple instead.") var provider: String?

    func validate() throws {
        guard (email == nil) != (provider == nil) else { throw ValidationError("pass either --email or --provider") }
        if let provider, OAuthProviderID(rawValue: provider.lowercased()) == nil {
            throw ValidationError("--provider must be google, github, facebook or apple")
        }
    }

    func run() async throws {
        let (serverText, url) = try global.serverURL()
        let client = APIClient(baseURL: url)
        do {
            let response: AuthResponse
            if let email {
                guard passwordStdin else { throw ValidationError("pass --password-stdin and pipe the password in") }
                guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                    throw ValidationError("no password on standard input")
                }
                response = try await withSecondFactor(client) { try await client.login(email: email, password: password, deviceName: LiveEffects.deviceName) }
            } else {
                let provider = OAuthProviderID(rawValue: provider!.lowercased())!
                response = try await withSecondFactor(client) { try await deviceSignIn(client, provider: provider) }
            }
            global.store.save(
                .init(server: serverText, email: response.email ?? email ?? provider, accessToken: response.accessToken,
                      refreshToken: response.refreshToken))
            print("signed in to \(serverText) as \(response.email ?? email ?? "your \(provider ?? "") account") (\(response.role.rawValue))")
        } catch let error as APIError {
            throw CleanExit.message(error.description, code: 1)
        }
    }
}

/// Runs a sign-in; when the account has an authenticator, asks for its code on the terminal.
func withSecondFactor(_ client: APIClient, _ signIn: () async throws -> AuthResponse) async throws -> AuthResponse {
    do {
        return try await signIn()
    } catch APIError.mfaRequired(let challengeID) {
        FileHandle.standardError.write(Data("Code from your authenticator app: ".utf8))
        guard let code = readLine(strippingNewline: true), !code.isEmpty else { throw ValidationError("no code entered") }
        return try await client.verifyMFA(challengeID: challengeID, code: code)
    }
}

/// The device flow on a plain terminal: print the link, poll until the browser side is done or the link expires.
func deviceSignIn(_ client: APIClient, provider: OAuthProviderID) async throws -> AuthResponse {
    let start = try await client.startDeviceSignIn(provider, deviceName: LiveEffects.deviceName)
    return try await waitForBrowser(start, to: "sign in with \(provider.displayName)") { try await client.pollSignIn($0) }
}

/// A device flow on a plain terminal: prints the link to open anywhere, then polls every `interval` seconds until
/// `poll` answers or the link expires.
func waitForBrowser<T>(_ start: OAuthStart, to purpose: String, poll: (String) async throws -> T?) async throws -> T {
    guard let handle = start.pollHandle else { throw CleanExit.message("the server sent no poll handle", code: ExitStatus.failed) }
    FileHandle.standardError.write(
        Data("Open this link in any browser to \(purpose) (it expires in \(start.expiresIn / 60) minutes):\n\n  \(start.openURL ?? start.authorizeURL)\n\nWaiting…\n".utf8))
    let deadline = Date().addingTimeInterval(TimeInterval(start.expiresIn))
    while Date() < deadline {
        try await Task.sleep(for: .seconds(start.interval ?? 2))
        if let answer = try await poll(handle) { return answer }
    }
    throw CleanExit.message("the link expired; run the command again", code: ExitStatus.failed)
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End the saved session on the server and forget it.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let client = try await global.savedClient()
        try? await client.logout()
        global.store.clearTokens()
        print("signed out")
    }
}

struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show the signed-in account.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let client = try await global.savedClient()
        do {
            let me = try await client.me()
            if json {
                print(String(decoding: try JSONEncoder.spendSense.encode(me), as: UTF8.self))
            } else {
                print("\(me.email ?? "-") \(me.role.rawValue) \(me.id.uuidString.lowercased()) \(client.baseURL.absoluteString)")
            }
        } catch let error as APIError {
            throw CleanExit.message(error.description, code: 1)
        }
    }
}

extension CleanExit {
    /// Prints `text` to stderr and exits with `code`.
    static func message(_ text: String, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(text)\n".utf8))
        return ExitCode(code)
    }
}
