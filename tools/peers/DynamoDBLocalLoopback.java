// Starts DynamoDB Local bound to 127.0.0.1 only, on the port given by -port (0 = any free port).
//
// DynamoDB Local has no bind-address option: ServerRunner builds a Jetty Server(port), whose connector
// listens on every interface. This launcher lets ServerRunner build the server from the usual command
// line, sets the host of each Jetty connector to 127.0.0.1 before starting it, and prints the port it got:
//   DynamoDBLocalLoopback listening on 127.0.0.1:PORT (...)
// It needs only a Java 17 runtime, no JDK: peers.sh compiles it once with the runtime's own jdk.compiler
// module (`java -m jdk.compiler/com.sun.tools.javac.Main`, part of Debian's openjdk-17-jre-headless), and
// it also runs as a single source file (`java -cp DynamoDBLocal.jar DynamoDBLocalLoopback.java ARGS`).
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class DynamoDBLocalLoopback {
	private static final String HOST = "127.0.0.1";

	public static void main(String[] args) throws Exception {
		long mainAtMs = ManagementFactory.getRuntimeMXBean().getUptime(); // JVM start + in-memory compile
		// DynamoDB Local refuses -port 0: give it a placeholder it never binds and set port 0 on the connector.
		boolean anyPort = false;
		args = args.clone();
		for (int i = 0; i + 1 < args.length; i++) {
			if (args[i].equals("-port") && args[i + 1].equals("0")) {
				args[i + 1] = "8000";
				anyPort = true;
			}
		}
		DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
		Field field = DynamoDBProxyServer.class.getDeclaredField("server");
		field.setAccessible(true);
		Server jetty = (Server) field.get(proxy);
		Connector[] connectors = jetty.getConnectors();
		if (connectors.length == 0)
			throw new IllegalStateException("DynamoDB Local's Jetty server has no connector");
		for (Connector c : connectors) {
			if (!(c instanceof ServerConnector))
				throw new IllegalStateException("unexpected Jetty connector " + c.getClass().getName());
			((ServerConnector) c).setHost(HOST);
			if (anyPort)
				((ServerConnector) c).setPort(0);
		}
		proxy.start();
		for (Connector c : jetty.getConnectors()) {
			ServerConnector sc = (ServerConnector) c;
			if (!HOST.equals(sc.getHost()) || sc.getLocalPort() <= 0)
				throw new IllegalStateException("connector not on " + HOST + ": " + sc);
			System.out.println("DynamoDBLocalLoopback listening on " + HOST + ":" + sc.getLocalPort()
					+ " (the Port line above is a placeholder; launcher compiled and running after " + mainAtMs
					+ " ms, listening after " + ManagementFactory.getRuntimeMXBean().getUptime() + " ms)");
		}
		System.out.flush();
		proxy.join();
	}
}
