import APIClient
import ArgumentParser
import Foundation
import Models
import TerminalUI

/// `spendsense demo`: starts the bundled server on a free loopback port with its own data directory,
/// seeds the demo accounts, signs in as the demo operator and opens the console. The server stops when
/// the console exits.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a local demo server and open the console on it.")
    @OptionGroup var display: DisplayOptions
    @Option(help: "Data directory of the demo server.") var dataDir = "./.spendsense/demo"
    @Option(help: "Account to sign in as.") var email = "operator@example.com"
    @Option(help: "Password of that account.") var password = "SpendSense-demo-1!"
    @Flag(help: "Start and seed the server, print its URL, and wait (no console; for scripts).") var headless = false

    func run() async throws {
        let config = try display.loadConfig()
        let serverBinary = try Self.locateServer()
        let dataDirectory = URL(fileURLWithPath: dataDir).standardizedFileURL
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let logURL = dataDirectory.appendingPathComponent("server.log")

        FileHandle.standardError.write(Data("seeding demo data in \(dataDirectory.path)…\n".utf8))
        let seed = try Self.launch(serverBinary, ["seed", "--demo", "--data-dir", dataDirectory.path], log: logURL)
        seed.waitUntilExit()
        guard seed.terminationStatus == 0 else {
            throw CleanExit.message("seeding failed; see \(logURL.path)", code: 1)
        }

        let server = try Self.launch(
            serverBinary, ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDirectory.path], log: logURL,
            append: true,
            // The demo offers provider sign-in through the development stand-in (unless real providers are set).
            environment: ProcessInfo.processInfo.environment["OAUTH_DEV_PROVIDER"] == nil ? ["OAUTH_DEV_PROVIDER": "1"] : [:])
        defer {
            if server.isRunning {
                server.terminate()
                server.waitUntilExit()
            }
        }
        // A closed terminal (SSH drop, tmux kill) or a kill must not leave the server running on its own.
        let serverPID = server.processIdentifier
        let signals: [Int32] = [SIGHUP, SIGTERM, SIGINT]
        let watchers = signals.map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                kill(serverPID, SIGTERM)
                var status: Int32 = 0
                waitpid(serverPID, &status, 0)
                Foundation.exit(128 + number)
            }
            source.resume()
            return source
        }
        defer { watchers.forEach { $0.cancel() } }
        guard let url = try await Self.waitForListening(log: logURL, process: server) else {
            throw CleanExit.message("the demo server did not start; see \(logURL.path)", code: 1)
        }
        let client = APIClient(baseURL: url)
        let response = try await client.login(email: email, password: password)
        let store = CredentialsStore(url: dataDirectory.appendingPathComponent("credentials.json"))
        store.save(.init(server: url.absoluteString, email: response.email, accessToken: response.accessToken, refreshToken: response.refreshToken))

        if headless {
            // Written unbuffered: scripts read this line from a pipe or a file.
            FileHandle.standardOutput.write(Data((url.absoluteString + "\n").utf8))
            server.waitUntilExit()
            return
        }
        let effects = LiveEffects(client: client, credentials: store)
        await effects.attachPersistence(client, server: url.absoluteString, email: response.email ?? email)
        var state = AppState(server: url.absoluteString, email: response.email ?? email)
        state.configure(config)
        state.busy = "Loading your account…"
        runConsole(state: state, effects: effects, theme: display.theme(config), initial: [.loadMe])
    }

    /// `spendsense-server` next to this executable.
    static func locateServer() throws -> URL {
        let selfPath = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidates = [
            selfPath.deletingLastPathComponent().appendingPathComponent("spendsense-server"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("spendsense-server"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CleanExit.message("spendsense-server not found next to spendsense; build both (`swift build`)", code: 1)
        }
        return found
    }

    static func launch(_ binary: URL, _ arguments: [String], log: URL, append: Bool = false, environment: [String: String] = [:]) throws -> Process {
        if !append || !FileManager.default.fileExists(atPath: log.path) {
            guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
                throw CleanExit.message("cannot write \(log.path)", code: 1)
            }
        }
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        // The demo is development: the outbox (reset tokens, texted codes) and the stand-in provider are its point.
        let chosen = ["SPENDSENSE_ENV": "development"].merging(environment) { _, new in new }
        process.environment = ProcessInfo.processInfo.environment.merging(chosen) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Polls the log for the server's ready line; nil when the process died or 120 s passed.
    static func waitForListening(log: URL, process: Process) async throws -> URL? {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let text = try? String(contentsOf: log, encoding: .utf8) {
                for line in text.split(separator: "\n").reversed() where line.hasPrefix("listening on ") {
                    return URL(string: String(line.dropFirst("listening on ".count)))
                }
            }
            guard process.isRunning else { return nil }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}
