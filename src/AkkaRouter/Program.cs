return await AkkaRouter.Cli.CommandLine.Run(args);
