// Package risk is idcmd's one risk model for both identity providers: a
// score from 0 to 10 made of configured factors, each of which says what it
// saw (which group, how many failures, which event) and how many points it
// gave, so a responder can check the score rather than trust it.
package risk
